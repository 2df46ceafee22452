-- mpis-dash migration 0002: the dashboard's own tables (MPIS script 006_dashboard.sql).
--
-- A real MPIS database that applied 006 already has these tables; then this file
-- must change nothing. Same guard style as 0001: each table is created together
-- with its indexes, trigger function, trigger and comment only when the table
-- does not exist; nothing is replaced, altered or dropped.
-- Needs personas and published_items (0001).
--
-- sqlx runs this file in one transaction: no CONCURRENTLY, no COMMIT.

-- dashboard_projects
DO $do$
BEGIN
    IF to_regclass('public.dashboard_projects') IS NULL THEN
        CREATE TABLE public.dashboard_projects (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            name TEXT NOT NULL,
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            channels TEXT[] NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            meta JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_dashboard_projects_persona_id ON public.dashboard_projects(persona_id);
        CREATE INDEX idx_dashboard_projects_created_at ON public.dashboard_projects(created_at DESC);
        IF to_regprocedure('public.update_dashboard_projects_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_dashboard_projects_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_dashboard_projects_updated_at
            BEFORE UPDATE ON public.dashboard_projects
            FOR EACH ROW
            EXECUTE FUNCTION public.update_dashboard_projects_updated_at();
        COMMENT ON TABLE public.dashboard_projects IS 'Dashboard project metadata with channel configurations';
    END IF;
END
$do$;

-- dashboard_runs (no updated_at, no trigger)
DO $do$
BEGIN
    IF to_regclass('public.dashboard_runs') IS NULL THEN
        CREATE TABLE public.dashboard_runs (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            run_id UUID NOT NULL UNIQUE,
            project_id UUID NOT NULL REFERENCES public.dashboard_projects(id) ON DELETE CASCADE,
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'pending'
                CONSTRAINT dashboard_runs_status_check CHECK (status IN (
                    'pending',
                    'running',
                    'success',
                    'failed',
                    'partial'
                )),
            started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            completed_at TIMESTAMPTZ,
            n8n_execution_id UUID,
            error_message TEXT,
            meta JSONB NOT NULL DEFAULT '{}'
        );
        -- redundant with the UNIQUE index on run_id, kept because MPIS has it
        CREATE INDEX idx_dashboard_runs_run_id ON public.dashboard_runs(run_id);
        CREATE INDEX idx_dashboard_runs_project_id ON public.dashboard_runs(project_id);
        CREATE INDEX idx_dashboard_runs_persona_id ON public.dashboard_runs(persona_id);
        CREATE INDEX idx_dashboard_runs_status ON public.dashboard_runs(status);
        CREATE INDEX idx_dashboard_runs_started_at ON public.dashboard_runs(started_at DESC);
        COMMENT ON TABLE public.dashboard_runs IS 'Dashboard run tracking with status aggregation including partial status';
    END IF;
END
$do$;

-- dashboard_layouts (user_id NULL = default/global layout; no users table, no FK)
DO $do$
BEGIN
    IF to_regclass('public.dashboard_layouts') IS NULL THEN
        CREATE TABLE public.dashboard_layouts (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            user_id UUID,
            name TEXT NOT NULL DEFAULT 'My Dashboard',
            is_default BOOLEAN NOT NULL DEFAULT FALSE,
            layout_config JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_dashboard_layouts_user_id ON public.dashboard_layouts(user_id);
        CREATE INDEX idx_dashboard_layouts_is_default ON public.dashboard_layouts(is_default);
        IF to_regprocedure('public.update_dashboard_layouts_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_dashboard_layouts_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_dashboard_layouts_updated_at
            BEFORE UPDATE ON public.dashboard_layouts
            FOR EACH ROW
            EXECUTE FUNCTION public.update_dashboard_layouts_updated_at();
        COMMENT ON TABLE public.dashboard_layouts IS 'User dashboard layout configurations';
    END IF;
END
$do$;

-- widget_registry (no extra indexes)
-- NOTE: the check is named widget_registry_type_check (the ORM's name). MPIS's
-- 006 leaves it unnamed, so a database built by MPIS itself has the generated
-- name widget_registry_widget_type_check; match violations on either name.
DO $do$
BEGIN
    IF to_regclass('public.widget_registry') IS NULL THEN
        CREATE TABLE public.widget_registry (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            widget_id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            description TEXT,
            widget_type TEXT NOT NULL
                CONSTRAINT widget_registry_type_check CHECK (widget_type IN ('builtin', 'custom')),
            schema JSONB NOT NULL DEFAULT '{}',
            renderer_url TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        COMMENT ON TABLE public.widget_registry IS 'Registry of built-in and custom dashboard widgets';
    END IF;
END
$do$;

-- red_flags
DO $do$
BEGIN
    IF to_regclass('public.red_flags') IS NULL THEN
        CREATE TABLE public.red_flags (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            flag_type TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
            description TEXT,
            metadata JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            resolved_at TIMESTAMPTZ,
            resolved_by TEXT
        );
        CREATE INDEX idx_red_flags_flag_type ON public.red_flags(flag_type);
        CREATE INDEX idx_red_flags_severity ON public.red_flags(severity);
        CREATE INDEX idx_red_flags_created_at ON public.red_flags(created_at DESC);
        CREATE INDEX idx_red_flags_resolved_at ON public.red_flags(resolved_at);
        COMMENT ON TABLE public.red_flags IS 'Critical system issues requiring attention';
    END IF;
END
$do$;

-- metrics_ingestion_jobs
DO $do$
BEGIN
    IF to_regclass('public.metrics_ingestion_jobs') IS NULL THEN
        CREATE TABLE public.metrics_ingestion_jobs (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            job_name TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            persona_id UUID REFERENCES public.personas(id) ON DELETE CASCADE,
            schedule_cron TEXT NOT NULL,
            last_run_at TIMESTAMPTZ,
            next_run_at TIMESTAMPTZ,
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            config JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_metrics_ingestion_jobs_channel ON public.metrics_ingestion_jobs(channel);
        CREATE INDEX idx_metrics_ingestion_jobs_next_run_at ON public.metrics_ingestion_jobs(next_run_at);
        CREATE INDEX idx_metrics_ingestion_jobs_enabled ON public.metrics_ingestion_jobs(enabled);
        COMMENT ON TABLE public.metrics_ingestion_jobs IS 'Scheduled jobs for periodic metrics collection';
    END IF;
END
$do$;

-- normalized_metrics (wide format)
DO $do$
BEGIN
    IF to_regclass('public.normalized_metrics') IS NULL THEN
        CREATE TABLE public.normalized_metrics (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            published_item_id UUID NOT NULL REFERENCES public.published_items(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            views INTEGER,
            impressions INTEGER,
            reach INTEGER,
            reactions INTEGER,
            comments INTEGER,
            shares INTEGER,
            saves INTEGER,
            clicks INTEGER,
            engagement_rate NUMERIC(5, 4),
            raw_metrics JSONB NOT NULL DEFAULT '{}',
            measured_at TIMESTAMPTZ NOT NULL,
            ingested_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            source TEXT NOT NULL DEFAULT 'manual'
        );
        CREATE INDEX idx_normalized_metrics_published_item_id ON public.normalized_metrics(published_item_id);
        CREATE INDEX idx_normalized_metrics_channel ON public.normalized_metrics(channel);
        CREATE INDEX idx_normalized_metrics_measured_at ON public.normalized_metrics(measured_at DESC);
        COMMENT ON TABLE public.normalized_metrics IS 'Normalized metrics across all channels';
    END IF;
END
$do$;
