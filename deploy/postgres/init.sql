-- Runs once, on the first start of an empty PostgreSQL data directory (docker-entrypoint-initdb.d):
-- one database per service, all owned by the application role POSTGRES_USER (from the env file).
-- Each service applies its own migrations at start-up.
CREATE DATABASE petition;
CREATE DATABASE safety;
CREATE DATABASE volunteer;
CREATE DATABASE identity;
CREATE DATABASE reporting;
