-- The service-level report (GET /api/v1/reports/service-level with group_by
-- vendor,channel,period, period month, time_zone Europe/Berlin) as one SQL query over a
-- Rapport database's interactions table, for bench/run: the definitions of
-- src/analytics/service_level.hpp with the default thresholds (phone 20 s, chat 60 s, other
-- channels 3600 s) and short abandons under 5 s, over arrivals in [@from, @to) (ms).
-- First-contact resolution, which the server's report also judges, is left out.
--
-- Months are exact Europe/Berlin months for 1996 on: EU clocks change on the last Sundays
-- of March and October at 01:00 UTC, never near a month's start, so April … October begin
-- at 22:00 UTC the day before (UTC+2) and the other months at 23:00 UTC (UTC+1): the month
-- of t + 2 h when that is April … October, else the month of t + 1 h.
-- Usage: sqlite3 DB '.parameter set @from MS' '.parameter set @to MS' '.read FILE'
WITH c AS (
  SELECT
    CASE WHEN substr(strftime('%Y-%m', arrived_at / 1000 + 7200, 'unixepoch'), 6) BETWEEN '04' AND '10'
         THEN strftime('%Y-%m', arrived_at / 1000 + 7200, 'unixepoch')
         ELSE strftime('%Y-%m', arrived_at / 1000 + 3600, 'unixepoch') END AS month,
    vendor_id, channel,
    CASE WHEN answered_at IS NOT NULL THEN 1
         WHEN outcome IN ('abandoned', 'timed_out', 'voicemail') THEN 2
         WHEN outcome = 'missed_off_hours' THEN 4
         ELSE 3 END AS d,
    CASE WHEN answered_at IS NOT NULL THEN max(0, answered_at - arrived_at)
         ELSE max(0, ended_at - arrived_at) END AS wait,
    CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL
         THEN max(0, ended_at - answered_at) + coalesce(wrap_up_seconds, 0) * 1000 END AS handle,
    CASE channel WHEN 'phone' THEN 20000 WHEN 'chat' THEN 60000 ELSE 3600000 END AS threshold
  FROM interactions
  WHERE direction = 'inbound' AND kind = 'contact' AND arrived_at >= @from AND arrived_at < @to)
SELECT month, vendor_id, channel,
  SUM(d = 1 OR d = 3 OR (d = 2 AND (wait IS NULL OR wait >= 5000))) AS offered,
  SUM(d = 1) AS answered,
  SUM(d = 1 AND wait <= threshold) AS answered_within_threshold,
  SUM(d = 2 AND (wait IS NULL OR wait >= 5000)) AS abandoned,
  SUM(d = 2 AND wait >= 5000 AND wait <= threshold) AS abandoned_within_threshold,
  SUM(d = 2 AND wait < 5000) AS short_abandons,
  SUM(d = 4) AS missed_off_hours
FROM c GROUP BY month, vendor_id, channel ORDER BY month, vendor_id, channel;
