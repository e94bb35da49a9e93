-- Supabase stand-ins for plain PostgreSQL, written by `schemac stubs`.
-- Creates, only where missing, what a Supabase project provides to the migrations projects
-- write: the roles anon, authenticated and service_role (BYPASSRLS); the auth schema with
-- auth.users, auth.identities and auth.sessions (every column of the platform's tables,
-- after Supabase's schema dump of a project on PostgreSQL 15) and auth.uid(), auth.role(),
-- auth.jwt(), auth.email(), which read the `request.jwt.claims` setting the way Supabase's
-- PostgREST sets it; the storage schema with storage.buckets, storage.objects (RLS on) and
-- storage.foldername(); the (empty) extensions schema; and the supabase_realtime
-- publication. Run again over an older version of itself, it adds the
-- columns that version lacked. Use it for local databases and tests; never on Supabase.
BEGIN;
-- Roles are cluster-wide: tolerate another session creating them at the same moment.
DO $stubs$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT%s', r, CASE WHEN r = 'service_role' THEN ' BYPASSRLS' ELSE '' END);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$stubs$;

CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS auth.users (
  id uuid PRIMARY KEY
);
-- Every column, also over the eight-column auth.users of older stubs.
ALTER TABLE auth.users
  ADD COLUMN IF NOT EXISTS instance_id uuid,
  ADD COLUMN IF NOT EXISTS aud character varying(255),
  ADD COLUMN IF NOT EXISTS role character varying(255),
  ADD COLUMN IF NOT EXISTS email character varying(255),
  ADD COLUMN IF NOT EXISTS encrypted_password character varying(255),
  ADD COLUMN IF NOT EXISTS email_confirmed_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS invited_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS confirmation_token character varying(255),
  ADD COLUMN IF NOT EXISTS confirmation_sent_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS recovery_token character varying(255),
  ADD COLUMN IF NOT EXISTS recovery_sent_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS email_change_token_new character varying(255),
  ADD COLUMN IF NOT EXISTS email_change character varying(255),
  ADD COLUMN IF NOT EXISTS email_change_sent_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS last_sign_in_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS raw_app_meta_data jsonb,
  ADD COLUMN IF NOT EXISTS raw_user_meta_data jsonb,
  ADD COLUMN IF NOT EXISTS is_super_admin boolean,
  ADD COLUMN IF NOT EXISTS created_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS updated_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS phone text DEFAULT NULL::character varying,
  ADD COLUMN IF NOT EXISTS phone_confirmed_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS phone_change text DEFAULT ''::character varying,
  ADD COLUMN IF NOT EXISTS phone_change_token character varying(255) DEFAULT ''::character varying,
  ADD COLUMN IF NOT EXISTS phone_change_sent_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS confirmed_at timestamp with time zone GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
  ADD COLUMN IF NOT EXISTS email_change_token_current character varying(255) DEFAULT ''::character varying,
  ADD COLUMN IF NOT EXISTS email_change_confirm_status smallint DEFAULT 0 CONSTRAINT users_email_change_confirm_status_check CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
  ADD COLUMN IF NOT EXISTS banned_until timestamp with time zone,
  ADD COLUMN IF NOT EXISTS reauthentication_token character varying(255) DEFAULT ''::character varying,
  ADD COLUMN IF NOT EXISTS reauthentication_sent_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS is_sso_user boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS deleted_at timestamp with time zone,
  ADD COLUMN IF NOT EXISTS is_anonymous boolean NOT NULL DEFAULT false;

DO $stubs$
BEGIN
  IF to_regtype('auth.aal_level') IS NULL THEN
    CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
  END IF;
END
$stubs$;

CREATE TABLE IF NOT EXISTS auth.identities (
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  identity_data jsonb NOT NULL,
  provider text NOT NULL,
  last_sign_in_at timestamp with time zone,
  created_at timestamp with time zone,
  updated_at timestamp with time zone,
  email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);

CREATE TABLE IF NOT EXISTS auth.sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  created_at timestamp with time zone,
  updated_at timestamp with time zone,
  factor_id uuid,
  aal auth.aal_level,
  not_after timestamp with time zone,
  refreshed_at timestamp without time zone,
  user_agent text,
  ip inet,
  tag text
);

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$fn$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$fn$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$fn$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$fn$;

GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt(), auth.email() TO anon, authenticated, service_role;

CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  public boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamp with time zone DEFAULT now(),
  updated_at timestamp with time zone DEFAULT now()
);
ALTER TABLE storage.buckets
  ADD COLUMN IF NOT EXISTS avif_autodetection boolean DEFAULT false,
  ADD COLUMN IF NOT EXISTS owner_id text;

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  created_at timestamp with time zone DEFAULT now(),
  updated_at timestamp with time zone DEFAULT now(),
  last_accessed_at timestamp with time zone DEFAULT now()
);
ALTER TABLE storage.objects ADD COLUMN IF NOT EXISTS user_metadata jsonb;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON storage.objects TO anon, authenticated, service_role;
GRANT SELECT ON storage.buckets TO anon, authenticated;
GRANT ALL ON storage.buckets TO service_role;

CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
  _parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  RETURN _parts[1:array_length(_parts, 1) - 1];
END
$fn$;
GRANT EXECUTE ON FUNCTION storage.foldername(text) TO anon, authenticated, service_role;

-- Supabase installs extensions in a schema of their own, which the API roles may use. The
-- stubs make the schema but install nothing in it: a project's `extensions:` installs what
-- it uses, where its unqualified calls find it (the stubs do not change the search_path
-- the way Supabase adds `extensions` to it).
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;

DO $stubs$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END
$stubs$;
COMMIT;
