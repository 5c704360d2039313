"""Docks that inspect nodes: the Tensor dock, properties and the step controls."""
