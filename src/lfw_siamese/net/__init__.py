"""The siamese network: its architecture, losses, training objectives, training loop and saving."""
