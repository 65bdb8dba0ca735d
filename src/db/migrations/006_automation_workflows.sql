-- Each enabled workflow runs as `settings.shards` automation workflows; stored settings name their count.
UPDATE workflows SET settings = settings || '{"shards": 1}' WHERE NOT settings ? 'shards';
