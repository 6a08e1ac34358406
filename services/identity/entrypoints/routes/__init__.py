"""HTTP routes of the identity service, one module per resource."""
