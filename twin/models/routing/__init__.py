"""Routing: travel times, plan state and route timelines, insertion, dispatchers, the fleet
mirror (plan state rebuilt from events), tools, parts and depots (``kit``), an independent
route checker (``check``)."""
