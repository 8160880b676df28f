"""The training data as an explanation: TracIn proponents/opponents and label issues (the Data page)."""
