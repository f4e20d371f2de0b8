"""The booking desk as pure functions: which windows to offer, turning a request into a
visit, making room for an emergency."""
