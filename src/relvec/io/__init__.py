"""Files in and out: streaming pair files and vector writers (:mod:`.pairfiles`), atomic outputs
(:mod:`.outputs`), the cache folder (:mod:`.cache`) and the same embedding job spread over Ray (:mod:`.ray_embed`)."""
