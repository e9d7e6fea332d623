"""Reading LFW: the release, its images and pair lists, the datasets built from them, faces."""
