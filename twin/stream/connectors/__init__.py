"""Sources and sinks of the brain's dataflow: the closed loop's bridge, JSONL logs, Kafka."""
