"""Peers: conventional implementations of our features, measured next to ours in the same benchmark run."""
