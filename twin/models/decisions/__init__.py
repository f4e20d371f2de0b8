"""The brain's pure decision rules: delay alerts, notifications, replan requests, moving a
visit to another day."""
