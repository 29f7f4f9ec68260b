#!/usr/bin/env python3
"""The DuckDB baseline for `Benchmarks/e2e.py`: the same usage_daily sums from the same files.

Per format it reads the JSON lines (DuckDB decompresses gzip and zstd itself), normalizes tokens the
way the contract does (OpenAI-style prompt tokens include cached tokens; Anthropic's are disjoint;
Claude Code lines are de-duplicated on message.id + requestId) and groups by day, source and model.
Two threads, as factorylog gets two cores.

    python3 Benchmarks/duckdb_baseline.py CORPUS_DIR
    python3 Benchmarks/duckdb_baseline.py --dedup [--totals FILE] ROOT...

`--dedup` (used by Benchmarks/manyfiles.py) reads every file under ROOT/litellm, ROOT/kong and
ROOT/claude recursively, any compression, and de-duplicates as the contract does: LiteLLM one row
per `id`; Claude Code one row per (message.id, requestId), keeping the non-sidechain record, then
the larger token total. `--totals FILE` writes [requests, total_tokens] as JSON for the caller to
compare with factorylog's usage_daily.
"""
import json
import os
import sys

import duckdb


DEDUP = """
WITH litellm AS (
  SELECT CAST(to_timestamp(startTime) AS DATE) AS day, 'litellm' AS source, model,
         metadata.usage_object.prompt_tokens - coalesce(metadata.usage_object.prompt_tokens_details.cached_tokens, 0) AS input,
         coalesce(metadata.usage_object.prompt_tokens_details.cached_tokens, 0) AS cache_read, 0 AS cache_write,
         metadata.usage_object.completion_tokens AS output
  FROM read_ndjson({litellm}, columns={{id: 'VARCHAR', startTime: 'DOUBLE', model: 'VARCHAR',
       metadata: 'STRUCT(usage_object STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT, prompt_tokens_details STRUCT(cached_tokens BIGINT)))'}})
  QUALIFY row_number() OVER (PARTITION BY id) = 1
), kong AS (
  SELECT CAST(epoch_ms(started_at) AS DATE) AS day, 'kong' AS source, ai.proxy.meta.response_model AS model,
         ai.proxy.usage.prompt_tokens - coalesce(ai.proxy.usage.prompt_tokens_details.cached_tokens, 0) AS input,
         coalesce(ai.proxy.usage.prompt_tokens_details.cached_tokens, 0) AS cache_read, 0 AS cache_write,
         ai.proxy.usage.completion_tokens AS output
  FROM read_ndjson({kong}, columns={{started_at: 'BIGINT',
       ai: 'STRUCT(proxy STRUCT(meta STRUCT(response_model VARCHAR), usage STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT, prompt_tokens_details STRUCT(cached_tokens BIGINT))))'}})
), claude_raw AS (
  SELECT CAST(CAST("timestamp" AS TIMESTAMP) AS DATE) AS day, 'claude_code' AS source, message.model AS model,
         message.id AS mid, requestId AS rid, coalesce(isSidechain, false) AS side,
         coalesce(message.usage.input_tokens, 0) AS input, coalesce(message.usage.cache_read_input_tokens, 0) AS cache_read,
         coalesce(message.usage.cache_creation_input_tokens, 0) AS cache_write, coalesce(message.usage.output_tokens, 0) AS output
  FROM read_ndjson({claude}, columns={{"timestamp": 'VARCHAR', requestId: 'VARCHAR', isSidechain: 'BOOLEAN',
       message: 'STRUCT(id VARCHAR, model VARCHAR, usage STRUCT(input_tokens BIGINT, cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT, output_tokens BIGINT))'}})
  WHERE message.usage IS NOT NULL
), claude AS (
  SELECT day, source, model, input, cache_read, cache_write, output FROM claude_raw
  QUALIFY row_number() OVER (PARTITION BY mid, rid ORDER BY side, input + cache_read + cache_write + output DESC) = 1
)
SELECT day, source, model, count(*) AS requests, sum(input) AS input_tokens, sum(cache_read) AS cache_read_tokens,
       sum(cache_write) AS cache_write_tokens, sum(output) AS output_tokens
FROM (SELECT * FROM litellm UNION ALL SELECT * FROM kong UNION ALL SELECT * FROM claude)
GROUP BY ALL ORDER BY ALL
"""


def dedup_main(args):
    """The de-duplicated usage_daily sums over every file under each ROOT/{litellm,kong,claude}."""
    totals_file = None
    if "--totals" in args:
        k = args.index("--totals")
        totals_file = args[k + 1]
        del args[k:k + 2]
    roots = [r for r in args if r != "--dedup"]
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    globs = {kind: "[" + ", ".join("'%s/%s/**/*'" % (r, kind) for r in roots) + "]" for kind in ("litellm", "kong", "claude")}
    rows = con.execute(DEDUP.format(**globs)).fetchall()
    req = sum(r[3] for r in rows)
    tok = sum(r[4] + r[5] + r[6] + r[7] for r in rows)
    print("duckdb: %d usage_daily rows, %d requests, %d total tokens" % (len(rows), req, tok), file=sys.stderr)
    if totals_file:
        with open(totals_file, "w") as f:
            json.dump([int(req), int(tok)], f)


def main():
    if "--dedup" in sys.argv:
        return dedup_main(sys.argv[1:])
    corpus = sys.argv[1]
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    q = f"""
    WITH litellm AS (
      SELECT CAST(to_timestamp(startTime) AS DATE) AS day, 'litellm' AS source, model,
             metadata.usage_object.prompt_tokens - coalesce(metadata.usage_object.prompt_tokens_details.cached_tokens, 0) AS input,
             coalesce(metadata.usage_object.prompt_tokens_details.cached_tokens, 0) AS cache_read, 0 AS cache_write,
             metadata.usage_object.completion_tokens AS output
      FROM read_ndjson('{corpus}/litellm/*.zst', columns={{startTime: 'DOUBLE', model: 'VARCHAR',
           metadata: 'STRUCT(usage_object STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT, prompt_tokens_details STRUCT(cached_tokens BIGINT)))'}})
    ), kong AS (
      SELECT CAST(epoch_ms(started_at) AS DATE) AS day, 'kong' AS source, ai.proxy.meta.response_model AS model,
             ai.proxy.usage.prompt_tokens - coalesce(ai.proxy.usage.prompt_tokens_details.cached_tokens, 0) AS input,
             coalesce(ai.proxy.usage.prompt_tokens_details.cached_tokens, 0) AS cache_read, 0 AS cache_write,
             ai.proxy.usage.completion_tokens AS output
      FROM read_ndjson('{corpus}/kong/*.gz', columns={{started_at: 'BIGINT',
           ai: 'STRUCT(proxy STRUCT(meta STRUCT(response_model VARCHAR), usage STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT, prompt_tokens_details STRUCT(cached_tokens BIGINT))))'}})
    ), claude AS (
      SELECT DISTINCT ON (message.id, requestId) CAST(CAST("timestamp" AS TIMESTAMP) AS DATE) AS day, 'claude_code' AS source,
             message.model AS model, message.usage.input_tokens AS input, message.usage.cache_read_input_tokens AS cache_read,
             message.usage.cache_creation_input_tokens AS cache_write, message.usage.output_tokens AS output
      FROM read_ndjson('{corpus}/claude/*.gz', columns={{"timestamp": 'VARCHAR', requestId: 'VARCHAR',
           message: 'STRUCT(id VARCHAR, model VARCHAR, usage STRUCT(input_tokens BIGINT, cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT, output_tokens BIGINT))'}})
    )
    SELECT day, source, model, count(*) AS requests, sum(input) AS input_tokens, sum(cache_read) AS cache_read_tokens,
           sum(cache_write) AS cache_write_tokens, sum(output) AS output_tokens
    FROM (SELECT * FROM litellm UNION ALL SELECT * FROM kong UNION ALL SELECT * FROM claude)
    GROUP BY ALL ORDER BY ALL
    """
    rows = con.execute(q).fetchall()
    print("duckdb: %d usage_daily rows, %d requests" % (len(rows), sum(r[3] for r in rows)), file=sys.stderr)


if __name__ == "__main__":
    main()
