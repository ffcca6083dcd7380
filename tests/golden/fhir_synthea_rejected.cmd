validate --rejects - ../shared/data/external/synthea/Claim.ndjson
