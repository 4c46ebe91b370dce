-- Appends @n synthetic interactions to a Rapport database made by `rapport demo` (bench/run's
-- resident-memory benchmark), in one INSERT … SELECT over generate_series: arrivals spread
-- evenly over 2025-05 … 2026-10 (Berlin months), each on one of the database's queues
-- (its channel and vendor), an agent of that vendor (or of none) when answered, one of the
-- accounts, and a category of those the demo uses. Source 'bench', external ids
-- 'synthetic-000000001' …, so (source, external_id) stays unique. The same rows for the
-- same database and @n: the "random" numbers are multiplicative hashes of the row number
-- (modulo the prime 2^31 − 1), not random().
--
-- Mix as bench/analytics_bench.cpp: 92% inbound contacts, 6% outbound, 2% notes. Live
-- channels (phone, chat): 84% answered (exponential waits, mean 25 s phone, 45 s chat), 10%
-- abandoned, timed out or to voicemail (a fifth within 5 s, 5% without an end), 3%
-- transferred unanswered, 3% missed off-hours. Written channels: 80% replied (mean wait
-- 2 h, at most 7 days), the rest received. Handle times exponential, mean 5 min (live) or
-- 8 min (written), wrap-up 0–60 s on answered live contacts.
--
-- Indexes are dropped for the insert and made again after it (the same database, built
-- in a fraction of the time). Usage: sqlite3 DB '.parameter set @n 10000000' '.read FILE'
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
-- The interactions indexes as the migrations leave them (src/store/sql/sqlite/0004…).
DROP INDEX interactions_account_newest;
DROP INDEX interactions_person;
DROP INDEX interactions_case;
DROP INDEX interactions_arrived;
DROP INDEX interactions_external;
BEGIN;
CREATE TEMP TABLE q AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, channel, vendor_id,
         channel IN ('phone', 'chat') AS live
  FROM queues;
CREATE UNIQUE INDEX temp.q_k ON q(k);
CREATE TEMP TABLE ag AS
  SELECT coalesce(vendor_id, 0) AS vendor, row_number() OVER (PARTITION BY coalesce(vendor_id, 0) ORDER BY id) - 1 AS k, id
  FROM users WHERE is_agent = 1;
CREATE UNIQUE INDEX temp.ag_k ON ag(vendor, k);
CREATE TEMP TABLE agn AS SELECT vendor, count(*) AS n FROM ag GROUP BY vendor;
CREATE UNIQUE INDEX temp.agn_v ON agn(vendor);
CREATE TEMP TABLE acc AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM accounts;
CREATE UNIQUE INDEX temp.acc_k ON acc(k);
CREATE TEMP TABLE cat AS
  SELECT row_number() OVER (ORDER BY category) - 1 AS k, category
  FROM (SELECT DISTINCT category FROM interactions WHERE category IS NOT NULL);
CREATE UNIQUE INDEX temp.cat_k ON cat(k);
CREATE TEMP TABLE sizes AS
  SELECT (SELECT count(*) FROM q) AS nq, (SELECT count(*) FROM acc) AS nacc,
         (SELECT count(*) FROM cat) AS ncat,
         1746050400000 AS t0, 1793487600000 AS t1;  -- 2025-05-01T00:00+02:00, 2026-11-01T00:00+01:00

INSERT INTO interactions (version, created_at, updated_at, source, external_id, channel,
                          direction, kind, account_id, queue_id, vendor_id, agent_id, category,
                          arrived_at, answered_at, ended_at, outcome, participants, tags,
                          wrap_up_seconds)
WITH g AS (
  SELECT value AS v,
         t0 + (value - 1) * (t1 - t0) / @n + (value * 1226874159) % 2147483647 % ((t1 - t0) / @n) AS t,
         (value * 742938285) % 2147483647 % 100 AS mix,
         (value * 950706376) % 2147483647 % 1000 AS fate,
         (value * 62089911) % 2147483647 AS h1,
         (value * 1343714438) % 2147483647 AS h2,
         (value * 630360016) % 2147483647 AS h3,
         (value * 397204094) % 2147483647 AS h4,
         sizes.*
  FROM generate_series(1, @n), sizes),
r AS (
  SELECT g.*, q.id AS queue, q.channel, q.vendor_id AS vendor, q.live,
         ag.id AS agent, acc.id AS account, cat.category,
         -ln((h2 % 1000000 + 0.5) / 1000000.0) AS e1,  -- exponential, mean 1
         -ln((h3 % 1000000 + 0.5) / 1000000.0) AS e2
  FROM g
  JOIN q ON q.k = h1 % nq
  JOIN acc ON acc.k = h4 % nacc
  LEFT JOIN cat ON cat.k = h4 / 7 % (ncat + 1)
  LEFT JOIN agn ON agn.vendor = coalesce(q.vendor_id, 0)
  LEFT JOIN ag ON ag.vendor = agn.vendor AND ag.k = h1 / 97 % agn.n),
s AS (  -- the contact's fate: a = answered at, e = ended at, o = outcome
  SELECT r.*,
    CASE WHEN mix >= 92 THEN t
         WHEN live AND fate < 840 THEN t + CAST(e1 * CASE channel WHEN 'phone' THEN 25000 ELSE 45000 END AS INTEGER)
         WHEN NOT live AND fate < 800 THEN t + min(CAST(e1 * 7200000 AS INTEGER), 604800000)
    END AS a,
    CASE WHEN mix >= 92 THEN 'out'
         WHEN live AND fate < 840 THEN 'answered'
         WHEN live AND fate < 940 THEN CASE WHEN h4 / 13 % 10 < 6 THEN 'abandoned' WHEN h4 / 13 % 10 < 9 THEN 'timed_out' ELSE 'voicemail' END
         WHEN live AND fate < 970 THEN 'transferred'
         WHEN live THEN 'missed_off_hours'
         WHEN fate < 800 THEN 'replied'
         ELSE 'received'
    END AS o
  FROM r)
SELECT 1, t, t, 'bench', printf('synthetic-%09d', v), channel,
       CASE WHEN o = 'out' THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN mix >= 98 THEN 'note' ELSE 'contact' END,
       account, queue, vendor,
       CASE WHEN a IS NOT NULL THEN agent END,
       category, t, a,
       CASE WHEN a IS NOT NULL THEN a + CAST(e2 * CASE WHEN live THEN 300000 ELSE 480000 END AS INTEGER)
            WHEN o IN ('abandoned', 'timed_out', 'voicemail') AND h3 % 100 < 5 THEN NULL
            WHEN o IN ('abandoned', 'timed_out', 'voicemail') AND h3 % 5 = 0 THEN t + h2 % 5000
            WHEN o IN ('abandoned', 'timed_out', 'voicemail', 'transferred') THEN t + CAST(e1 * 70000 AS INTEGER)
            WHEN o = 'missed_off_hours' THEN t
       END,
       CASE WHEN o = 'out' THEN CASE WHEN live THEN 'answered' ELSE 'sent' END ELSE o END,
       '[]', '[]',
       CASE WHEN o = 'answered' THEN h3 % 61 END
FROM s;
DROP TABLE temp.q;
DROP TABLE temp.ag;
DROP TABLE temp.agn;
DROP TABLE temp.acc;
DROP TABLE temp.cat;
DROP TABLE temp.sizes;
COMMIT;
CREATE UNIQUE INDEX interactions_external ON interactions(source, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX interactions_account_newest ON interactions(account_id, arrived_at, id);
CREATE INDEX interactions_person ON interactions(person_id, arrived_at, id);
CREATE INDEX interactions_case ON interactions(case_id);
CREATE INDEX interactions_arrived ON interactions(arrived_at);
PRAGMA journal_mode = WAL;
