#!/usr/bin/env bash
# Regenerates quartz-2.3.2.json, the differential fixture for src/quartz.ts: resolves Quartz 2.3.2
# from Maven Central into .cache/ (git-ignored; downloaded once) and runs its CronExpression over
# every case of cases.tsv. Needs Java 17+ and Maven. The test reads the committed JSON only.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f .cache/quartz-2.3.2.jar ]; then
  mvn -q -f pom.xml dependency:copy-dependencies -DoutputDirectory=.cache
fi
java -cp '.cache/*' NextFireTimes.java cases.tsv > quartz-2.3.2.json.tmp
mv quartz-2.3.2.json.tmp quartz-2.3.2.json
# In the repository's JSON layout, so `biome ci` passes (needs `npm ci` at the root).
(cd ../../../.. && npx --no-install biome format --write libs/channel-model/test/quartz/quartz-2.3.2.json >/dev/null)
echo "wrote $(grep -c '"zone"' quartz-2.3.2.json) cases to $(pwd)/quartz-2.3.2.json"
