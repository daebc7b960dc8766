-- The hand-written DuckDB reference of the bench scorecard (bench/bench_analytics.py):
-- per month x source and per month x rep, the same figures as the engine's registry metrics.
-- Instants are int64 epoch microseconds (the engine's storage format). Tables: contacts, stage_changes, owner_changes, touches, deals, reps, clock (bucket_start,
-- cum_bsec, is_open; bucket size :size seconds). Parameters substituted by the bench:
-- :start, :end (epoch seconds of the year), :now, :b_now, :size, :sla, :tz_months (a VALUES list).
WITH
months(period, p_start, p_end) AS (VALUES :months),
stages AS (
    SELECT contact_id,
           min((entered_at // 1000000)) FILTER (WHERE stage = 'mql') AS mql_at,
           min((entered_at // 1000000)) FILTER (WHERE stage = 'sql') AS sql_at
    FROM stage_changes GROUP BY contact_id
),
base AS (
    SELECT c.contact_id, (c.created_at // 1000000) AS created_at, coalesce(c.source, '') AS source,
           c.owner_id AS contact_owner, s.mql_at, s.sql_at
    FROM contacts c LEFT JOIN stages s USING (contact_id)
),
owner_at_handoff AS (
    SELECT b.contact_id, o.owner_id,
           row_number() OVER (PARTITION BY b.contact_id
                              ORDER BY o.assigned_at DESC, o.owner_id DESC) AS rn
    FROM base b JOIN owner_changes o
      ON o.contact_id = b.contact_id AND (o.assigned_at // 1000000) <= b.mql_at
    WHERE b.mql_at IS NOT NULL
),
touch_facts AS (
    SELECT b.contact_id, min((t.occurred_at // 1000000)) AS first_touch_at,
           count(*) FILTER (WHERE (t.occurred_at // 1000000) < b.mql_at + 14 * 86400) AS cadence_touches
    FROM base b JOIN touches t
      ON t.contact_id = b.contact_id AND (t.occurred_at // 1000000) >= b.mql_at
    WHERE b.mql_at IS NOT NULL AND t.touch_type IN ('call', 'email', 'meeting')
      AND NOT t.automated AND t.direction = 'outbound' AND t.rep_id IS NOT NULL
    GROUP BY b.contact_id
),
facts AS (
    SELECT b.*, coalesce(o.owner_id, b.contact_owner, '') AS rep, tf.first_touch_at,
           coalesce(tf.cadence_touches, 0) AS cadence_touches,
           ch.cum_bsec + ch.is_open * (b.mql_at - ch.bucket_start) AS handoff_b,
           ct.cum_bsec + ct.is_open * (tf.first_touch_at - ct.bucket_start) AS first_touch_b
    FROM base b
    LEFT JOIN owner_at_handoff o ON o.contact_id = b.contact_id AND o.rn = 1
    LEFT JOIN touch_facts tf ON tf.contact_id = b.contact_id
    LEFT JOIN clock ch ON ch.bucket_start = b.mql_at - b.mql_at % :size
    LEFT JOIN clock ct ON ct.bucket_start = tf.first_touch_at - tf.first_touch_at % :size
)
SELECT b.breakdown, m.period, CASE b.breakdown WHEN 'source' THEN f.source ELSE f.rep END AS key,
    count(*) FILTER (WHERE f.created_at >= m.p_start AND f.created_at < m.p_end) AS contacts_created,
    count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end) AS mqls,
    count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end
                     AND f.sql_at >= f.mql_at AND f.sql_at - f.mql_at <= 30 * 86400)::DOUBLE
      / nullif(count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end), 0) AS cohort_conversion,
    quantile_cont((f.sql_at - f.mql_at) / 3600.0, 0.5) FILTER (
        WHERE f.sql_at >= m.p_start AND f.sql_at < m.p_end AND f.sql_at >= f.mql_at) AS lag_median_hours,
    quantile_cont((f.sql_at - f.mql_at) / 3600.0, 0.9) FILTER (
        WHERE f.sql_at >= m.p_start AND f.sql_at < m.p_end AND f.sql_at >= f.mql_at) AS lag_p90_hours,
    quantile_cont((f.first_touch_b - f.handoff_b) / 3600.0, 0.5) FILTER (
        WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end) AS stl_median_bh,
    count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end
                     AND f.first_touch_at IS NOT NULL AND f.first_touch_b - f.handoff_b <= :sla)::DOUBLE
      / nullif(count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end
                     AND ((f.first_touch_at IS NOT NULL AND f.first_touch_b - f.handoff_b <= :sla)
                          OR f.handoff_b + :sla <= :b_now)), 0) AS within_sla,
    count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end AND f.cadence_touches >= 3)::DOUBLE
      / nullif(count(*) FILTER (WHERE f.mql_at >= m.p_start AND f.mql_at < m.p_end
                     AND (f.cadence_touches >= 3 OR f.mql_at + 14 * 86400 <= :now)), 0) AS cadence
FROM facts f CROSS JOIN (VALUES ('source'), ('rep')) b(breakdown) JOIN months m ON (f.created_at >= m.p_start AND f.created_at < m.p_end)
    OR (f.mql_at >= m.p_start AND f.mql_at < m.p_end) OR (f.sql_at >= m.p_start AND f.sql_at < m.p_end)
GROUP BY ALL
