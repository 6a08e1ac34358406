"""One router per resource of the petition API."""
