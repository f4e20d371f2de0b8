"""Visit durations: the scikit-learn model, its features, baselines, history data, online
correction and quality."""
