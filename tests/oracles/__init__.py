"""Independent implementations that trustkit's SM2/SM3 output is checked against."""
