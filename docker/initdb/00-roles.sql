-- Runs once, as the postgres superuser, when the postgres container initialises an empty data
-- volume (docker-entrypoint-initdb.d). Creates the two login roles and the database; the schema
-- (and the NOLOGIN gatehouse_platform role) come from `gatehouse migrate`, run as the owner.
--
-- Passwords come from the container environment through psql's \getenv (psql 15+). They are
-- put into connection URLs unescaped, so use URL-safe ones, e.g. `openssl rand -hex 24`.

\set ON_ERROR_STOP on
\getenv owner_password GATEHOUSE_OWNER_PASSWORD
\getenv app_password GATEHOUSE_APP_PASSWORD

\if :{?owner_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'GATEHOUSE_OWNER_PASSWORD is not set'; END $$;
\endif
\if :{?app_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'GATEHOUSE_APP_PASSWORD is not set'; END $$;
\endif

-- Runs the migrations and owns every object; CREATEROLE so the first migration can create the
-- NOLOGIN gatehouse_platform role. Not a superuser.
CREATE ROLE gatehouse_owner LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD :'owner_password';

-- The server's role: owns nothing, cannot bypass row-level security.
CREATE ROLE gatehouse_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';

CREATE DATABASE gatehouse OWNER gatehouse_owner ENCODING 'UTF8' TEMPLATE template0;
