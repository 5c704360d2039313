"""The Training dock: what to train, the loss curve and the decision boundary."""
