"""Engine work off the GUI thread: evaluation, step-through traces and training."""
