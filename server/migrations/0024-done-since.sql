-- 0024-done-since: engagements completed and milestones marked done
-- since an instant, found by index.
--
-- Issuing a draft asks which engagements were completed, or had a
-- milestone marked done, after its month's last run: the run could not
-- bill those. It read every engagement to find the few; these indexes
-- hold only the engagements completed and the milestones done, in the
-- order of when, so the few are read alone.
CREATE INDEX engagements_completed ON engagements(completed_at)
    WHERE completed_at IS NOT NULL;
CREATE INDEX milestones_done_at ON milestones(done_at)
    WHERE done_at IS NOT NULL;
