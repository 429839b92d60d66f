"""Reading workforce extracts and user files; validation with located errors."""
