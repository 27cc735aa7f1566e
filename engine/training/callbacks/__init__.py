"""Small callbacks in the style of Lightning's: they observe the training loop and may ask it to stop."""
