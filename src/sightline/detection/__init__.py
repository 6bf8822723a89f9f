"""Object detectors, their weights, and the pre/post-processing around them."""
