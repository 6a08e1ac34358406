"""Pure rules of the identity service: password policy, lockout, refresh rotation, who manages whom."""
