-- mpis-dash migration 0001: MPIS core tables (MPIS scripts 002..005).
--
-- These tables belong to MPIS. mpis-dash lives inside the MPIS database, so:
--   * against a real MPIS database this file must change NOTHING: every table is
--     created, together with its own indexes, trigger function, trigger and
--     comment, only when the table does not exist yet; nothing is ever
--     replaced or dropped (no CREATE OR REPLACE, no DROP, no ALTER);
--   * against an empty database it creates the schema exactly as MPIS's own
--     scripts 002..005 would (same columns, types, defaults, constraints and
--     their generated names, index names, trigger and function names), so
--     MPIS itself can run on it.
-- Difference from MPIS's 002: personas is created before genesis_jobs (MPIS's
-- 002 references personas before creating it and fails on an empty database).
--
-- sqlx runs this file in one transaction: no CONCURRENTLY, no COMMIT.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

---------------------------------------------------------------------------
-- 002_genesis.sql
---------------------------------------------------------------------------

-- personas (moved first: genesis_jobs, persona_versions and sources reference it)
DO $do$
BEGIN
    IF to_regclass('public.personas') IS NULL THEN
        CREATE TABLE public.personas (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            name TEXT NOT NULL,
            slug TEXT NOT NULL UNIQUE,
            description TEXT,
            language TEXT DEFAULT 'en',
            active_version TEXT DEFAULT 'draft',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_personas_slug ON public.personas(slug);
        IF to_regprocedure('public.update_personas_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_personas_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_personas_updated_at
            BEFORE UPDATE ON public.personas
            FOR EACH ROW
            EXECUTE FUNCTION public.update_personas_updated_at();
        COMMENT ON TABLE public.personas IS 'Core persona entity with metadata';
    END IF;
END
$do$;

-- persona_versions
DO $do$
BEGIN
    IF to_regclass('public.persona_versions') IS NULL THEN
        CREATE TABLE public.persona_versions (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            version TEXT NOT NULL,
            core_json JSONB NOT NULL DEFAULT '{}',
            reason TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (persona_id, version)
        );
        CREATE INDEX idx_persona_versions_persona_id ON public.persona_versions(persona_id);
        COMMENT ON TABLE public.persona_versions IS 'Versioned persona core configurations';
    END IF;
END
$do$;

-- genesis_jobs
DO $do$
BEGIN
    IF to_regclass('public.genesis_jobs') IS NULL THEN
        CREATE TABLE public.genesis_jobs (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_name TEXT NOT NULL,
            slug TEXT NOT NULL,
            input_json JSONB NOT NULL DEFAULT '{}',
            config_json JSONB NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (
                'queued',
                'collecting',
                'processing',
                'awaiting_approval',
                'committed',
                'failed',
                'committed_with_memory_pending'
            )),
            error TEXT,
            persona_id UUID REFERENCES public.personas(id) ON DELETE SET NULL,
            draft_no INTEGER NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_genesis_jobs_status ON public.genesis_jobs(status);
        CREATE INDEX idx_genesis_jobs_slug ON public.genesis_jobs(slug);
        CREATE INDEX idx_genesis_jobs_persona_id ON public.genesis_jobs(persona_id);
        IF to_regprocedure('public.update_genesis_jobs_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_genesis_jobs_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_genesis_jobs_updated_at
            BEFORE UPDATE ON public.genesis_jobs
            FOR EACH ROW
            EXECUTE FUNCTION public.update_genesis_jobs_updated_at();
        COMMENT ON TABLE public.genesis_jobs IS 'Tracks persona generation workflow jobs';
    END IF;
END
$do$;

-- genesis_drafts
DO $do$
BEGIN
    IF to_regclass('public.genesis_drafts') IS NULL THEN
        CREATE TABLE public.genesis_drafts (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            job_id UUID NOT NULL REFERENCES public.genesis_jobs(id) ON DELETE CASCADE,
            draft_no INTEGER NOT NULL,
            draft_core_json JSONB NOT NULL DEFAULT '{}',
            human_prompt TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (job_id, draft_no)
        );
        CREATE INDEX idx_genesis_drafts_job_id ON public.genesis_drafts(job_id);
        COMMENT ON TABLE public.genesis_drafts IS 'Stores draft versions of persona core during approval loop';
    END IF;
END
$do$;

-- genesis_messages
DO $do$
BEGIN
    IF to_regclass('public.genesis_messages') IS NULL THEN
        CREATE TABLE public.genesis_messages (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            job_id UUID NOT NULL REFERENCES public.genesis_jobs(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('system', 'assistant', 'user')),
            content TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_genesis_messages_job_id ON public.genesis_messages(job_id);
        COMMENT ON TABLE public.genesis_messages IS 'Stores LLM conversation history for persona generation';
    END IF;
END
$do$;

-- sources
DO $do$
BEGIN
    IF to_regclass('public.sources') IS NULL THEN
        CREATE TABLE public.sources (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID REFERENCES public.personas(id) ON DELETE SET NULL,
            job_id UUID REFERENCES public.genesis_jobs(id) ON DELETE SET NULL,
            source_type TEXT NOT NULL CHECK (source_type IN ('youtube', 'file', 'url', 'text')),
            source_ref TEXT NOT NULL,
            content_hash TEXT,
            metadata JSONB NOT NULL DEFAULT '{}',
            extracted_text_path TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_sources_persona_id ON public.sources(persona_id);
        CREATE INDEX idx_sources_job_id ON public.sources(job_id);
        CREATE INDEX idx_sources_content_hash ON public.sources(content_hash);
        COMMENT ON TABLE public.sources IS 'Source materials used to generate personas';
    END IF;
END
$do$;

-- audit_log
DO $do$
BEGIN
    IF to_regclass('public.audit_log') IS NULL THEN
        CREATE TABLE public.audit_log (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            event_type TEXT NOT NULL,
            entity_type TEXT,
            entity_id UUID,
            job_id UUID REFERENCES public.genesis_jobs(id) ON DELETE SET NULL,
            details JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_audit_log_event_type ON public.audit_log(event_type);
        CREATE INDEX idx_audit_log_job_id ON public.audit_log(job_id);
        COMMENT ON TABLE public.audit_log IS 'Audit trail for all major system events';
    END IF;
END
$do$;

---------------------------------------------------------------------------
-- 003_life.sql (no triggers)
---------------------------------------------------------------------------

-- life_events
DO $do$
BEGIN
    IF to_regclass('public.life_events') IS NULL THEN
        CREATE TABLE public.life_events (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            event_type TEXT NOT NULL,
            content TEXT NOT NULL,
            tags TEXT[] DEFAULT '{}',
            run_id UUID,
            meta JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_life_events_persona_id ON public.life_events(persona_id);
        CREATE INDEX idx_life_events_event_type ON public.life_events(event_type);
        CREATE INDEX idx_life_events_created_at ON public.life_events(created_at DESC);
        CREATE INDEX idx_life_events_run_id ON public.life_events(run_id);
        COMMENT ON TABLE public.life_events IS 'Stores life events for persona evolution tracking';
    END IF;
END
$do$;

-- life_cycles
DO $do$
BEGIN
    IF to_regclass('public.life_cycles') IS NULL THEN
        CREATE TABLE public.life_cycles (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN (
                'pending',
                'processing',
                'awaiting_approval',
                'committed',
                'failed'
            )),
            cycle_type TEXT NOT NULL DEFAULT 'daily' CHECK (cycle_type IN ('daily', 'weekly', 'manual')),
            run_id UUID NOT NULL,
            options JSONB NOT NULL DEFAULT '{}',
            started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            finished_at TIMESTAMPTZ
        );
        CREATE INDEX idx_life_cycles_persona_id ON public.life_cycles(persona_id);
        CREATE INDEX idx_life_cycles_status ON public.life_cycles(status);
        CREATE INDEX idx_life_cycles_run_id ON public.life_cycles(run_id);
        COMMENT ON TABLE public.life_cycles IS 'Tracks reflection cycle jobs (daily/weekly/manual)';
    END IF;
END
$do$;

-- life_cycle_drafts
DO $do$
BEGIN
    IF to_regclass('public.life_cycle_drafts') IS NULL THEN
        CREATE TABLE public.life_cycle_drafts (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            cycle_id UUID NOT NULL REFERENCES public.life_cycles(id) ON DELETE CASCADE,
            draft_json JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_life_cycle_drafts_cycle_id ON public.life_cycle_drafts(cycle_id);
        COMMENT ON TABLE public.life_cycle_drafts IS 'Stores draft outputs from reflection cycles requiring approval';
    END IF;
END
$do$;

-- life_metrics
DO $do$
BEGIN
    IF to_regclass('public.life_metrics') IS NULL THEN
        CREATE TABLE public.life_metrics (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            metric_key TEXT NOT NULL,
            metric_value NUMERIC NOT NULL,
            period_start TIMESTAMPTZ NOT NULL,
            period_end TIMESTAMPTZ NOT NULL,
            computed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (persona_id, metric_key, period_start, period_end)
        );
        CREATE INDEX idx_life_metrics_persona_id ON public.life_metrics(persona_id);
        CREATE INDEX idx_life_metrics_metric_key ON public.life_metrics(metric_key);
        COMMENT ON TABLE public.life_metrics IS 'Computed persona metrics over time periods';
    END IF;
END
$do$;

-- recommendations
DO $do$
BEGIN
    IF to_regclass('public.recommendations') IS NULL THEN
        CREATE TABLE public.recommendations (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            source TEXT NOT NULL CHECK (source IN ('life', 'publisher', 'analytics', 'eidos')),
            rec_json JSONB NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'expired')),
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_recommendations_persona_id ON public.recommendations(persona_id);
        CREATE INDEX idx_recommendations_source ON public.recommendations(source);
        CREATE INDEX idx_recommendations_status ON public.recommendations(status);
        COMMENT ON TABLE public.recommendations IS 'AI-generated recommendations from various sources';
    END IF;
END
$do$;

---------------------------------------------------------------------------
-- 004_publisher.sql
---------------------------------------------------------------------------

-- content_plans
DO $do$
BEGIN
    IF to_regclass('public.content_plans') IS NULL THEN
        CREATE TABLE public.content_plans (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            topic TEXT NOT NULL,
            goal TEXT,
            target_audience TEXT,
            channel TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            max_length INTEGER DEFAULT 1000,
            schedule_window_start TIMESTAMPTZ,
            schedule_window_end TIMESTAMPTZ,
            constraints JSONB NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN (
                'planned',
                'generating',
                'draft_ready',
                'approved',
                'scheduled',
                'published',
                'cancelled'
            )),
            run_id UUID,
            meta JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_content_plans_persona_id ON public.content_plans(persona_id);
        CREATE INDEX idx_content_plans_status ON public.content_plans(status);
        CREATE INDEX idx_content_plans_channel ON public.content_plans(channel);
        CREATE INDEX idx_content_plans_schedule ON public.content_plans(schedule_window_start, schedule_window_end);
        IF to_regprocedure('public.update_content_plans_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_content_plans_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_content_plans_updated_at
            BEFORE UPDATE ON public.content_plans
            FOR EACH ROW
            EXECUTE FUNCTION public.update_content_plans_updated_at();
        COMMENT ON TABLE public.content_plans IS 'Content calendar and planning for social publishing';
    END IF;
END
$do$;

-- content_drafts
DO $do$
BEGIN
    IF to_regclass('public.content_drafts') IS NULL THEN
        CREATE TABLE public.content_drafts (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            plan_id UUID NOT NULL REFERENCES public.content_plans(id) ON DELETE CASCADE,
            persona_version_id UUID REFERENCES public.persona_versions(id) ON DELETE SET NULL,
            draft_no INTEGER NOT NULL DEFAULT 1,
            content_json JSONB NOT NULL DEFAULT '{}',
            provenance JSONB NOT NULL DEFAULT '{}',
            run_id UUID,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (plan_id, draft_no)
        );
        CREATE INDEX idx_content_drafts_plan_id ON public.content_drafts(plan_id);
        CREATE INDEX idx_content_drafts_status ON public.content_drafts(status);
        CREATE INDEX idx_content_drafts_run_id ON public.content_drafts(run_id);
        COMMENT ON TABLE public.content_drafts IS 'Generated content drafts with provenance tracking';
    END IF;
END
$do$;

-- published_items
DO $do$
BEGIN
    IF to_regclass('public.published_items') IS NULL THEN
        CREATE TABLE public.published_items (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            draft_id UUID NOT NULL REFERENCES public.content_drafts(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            channel_item_id TEXT,
            channel_url TEXT,
            published_payload JSONB NOT NULL DEFAULT '{}',
            published_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            persona_version_used TEXT,
            meta JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_published_items_draft_id ON public.published_items(draft_id);
        CREATE INDEX idx_published_items_channel ON public.published_items(channel);
        CREATE INDEX idx_published_items_published_at ON public.published_items(published_at DESC);
        COMMENT ON TABLE public.published_items IS 'Records of published content with channel identifiers';
    END IF;
END
$do$;

-- channel_accounts
DO $do$
BEGIN
    IF to_regclass('public.channel_accounts') IS NULL THEN
        CREATE TABLE public.channel_accounts (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            account_id TEXT NOT NULL,
            account_name TEXT,
            config JSONB NOT NULL DEFAULT '{}',
            active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (persona_id, channel, account_id)
        );
        CREATE INDEX idx_channel_accounts_persona_id ON public.channel_accounts(persona_id);
        CREATE INDEX idx_channel_accounts_channel ON public.channel_accounts(channel);
        COMMENT ON TABLE public.channel_accounts IS 'Channel account configuration per persona';
    END IF;
END
$do$;

-- item_metrics (long/EAV format)
DO $do$
BEGIN
    IF to_regclass('public.item_metrics') IS NULL THEN
        CREATE TABLE public.item_metrics (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            published_item_id UUID NOT NULL REFERENCES public.published_items(id) ON DELETE CASCADE,
            metric_type TEXT NOT NULL,
            metric_value NUMERIC NOT NULL,
            recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            source TEXT DEFAULT 'manual',
            meta JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_item_metrics_published_item_id ON public.item_metrics(published_item_id);
        CREATE INDEX idx_item_metrics_metric_type ON public.item_metrics(metric_type);
        CREATE INDEX idx_item_metrics_recorded_at ON public.item_metrics(recorded_at DESC);
        COMMENT ON TABLE public.item_metrics IS 'Metrics collected for published content items';
    END IF;
END
$do$;

---------------------------------------------------------------------------
-- 005_analytics.sql
---------------------------------------------------------------------------

-- analytics_rollups
DO $do$
BEGIN
    IF to_regclass('public.analytics_rollups') IS NULL THEN
        CREATE TABLE public.analytics_rollups (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            rollup_type TEXT NOT NULL CHECK (rollup_type IN ('daily', 'weekly', 'monthly')),
            period_start TIMESTAMPTZ NOT NULL,
            period_end TIMESTAMPTZ NOT NULL,
            metrics JSONB NOT NULL DEFAULT '{}',
            insights JSONB NOT NULL DEFAULT '{}',
            computed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            UNIQUE (persona_id, rollup_type, period_start)
        );
        CREATE INDEX idx_analytics_rollups_persona_id ON public.analytics_rollups(persona_id);
        CREATE INDEX idx_analytics_rollups_type ON public.analytics_rollups(rollup_type);
        CREATE INDEX idx_analytics_rollups_period ON public.analytics_rollups(period_start, period_end);
        COMMENT ON TABLE public.analytics_rollups IS 'Computed analytics summaries by time period';
    END IF;
END
$do$;

-- eidos_recommendations
DO $do$
BEGIN
    IF to_regclass('public.eidos_recommendations') IS NULL THEN
        CREATE TABLE public.eidos_recommendations (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            run_id UUID NOT NULL,
            recommendations JSONB NOT NULL DEFAULT '[]',
            evidence JSONB NOT NULL DEFAULT '{}',
            experiments JSONB NOT NULL DEFAULT '[]',
            content_briefs JSONB NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'reviewed', 'actioned', 'expired')),
            computed_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_eidos_recommendations_persona_id ON public.eidos_recommendations(persona_id);
        CREATE INDEX idx_eidos_recommendations_run_id ON public.eidos_recommendations(run_id);
        CREATE INDEX idx_eidos_recommendations_status ON public.eidos_recommendations(status);
        CREATE INDEX idx_eidos_recommendations_computed_at ON public.eidos_recommendations(computed_at DESC);
        COMMENT ON TABLE public.eidos_recommendations IS 'AI-generated actionable recommendations from EIDOS engine';
    END IF;
END
$do$;

-- experiments
DO $do$
BEGIN
    IF to_regclass('public.experiments') IS NULL THEN
        CREATE TABLE public.experiments (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID NOT NULL REFERENCES public.personas(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            hypothesis TEXT,
            variants JSONB NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'completed', 'cancelled')),
            start_date TIMESTAMPTZ,
            end_date TIMESTAMPTZ,
            results JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_experiments_persona_id ON public.experiments(persona_id);
        CREATE INDEX idx_experiments_status ON public.experiments(status);
        IF to_regprocedure('public.update_experiments_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_experiments_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_experiments_updated_at
            BEFORE UPDATE ON public.experiments
            FOR EACH ROW
            EXECUTE FUNCTION public.update_experiments_updated_at();
        COMMENT ON TABLE public.experiments IS 'A/B testing and content experiment tracking';
    END IF;
END
$do$;

-- dashboard_views (MPIS 005; unused by the dashboard, layouts live in dashboard_layouts)
DO $do$
BEGIN
    IF to_regclass('public.dashboard_views') IS NULL THEN
        CREATE TABLE public.dashboard_views (
            id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
            persona_id UUID REFERENCES public.personas(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            view_config JSONB NOT NULL DEFAULT '{}',
            is_default BOOLEAN NOT NULL DEFAULT false,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        );
        CREATE INDEX idx_dashboard_views_persona_id ON public.dashboard_views(persona_id);
        IF to_regprocedure('public.update_dashboard_views_updated_at()') IS NULL THEN
            CREATE FUNCTION public.update_dashboard_views_updated_at()
            RETURNS TRIGGER AS $fn$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
        END IF;
        CREATE TRIGGER trigger_update_dashboard_views_updated_at
            BEFORE UPDATE ON public.dashboard_views
            FOR EACH ROW
            EXECUTE FUNCTION public.update_dashboard_views_updated_at();
        COMMENT ON TABLE public.dashboard_views IS 'User-defined dashboard configurations';
    END IF;
END
$do$;
