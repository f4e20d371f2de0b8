"""The application layer: wires a company, builds world and brain, and runs them (closed loop,
one run, replay, shadow service, comparisons, the run store). Nothing below it imports it."""
