"""ETAs: the interval chain along a route and its calibration on past days."""
