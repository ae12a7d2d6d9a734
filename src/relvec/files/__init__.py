"""Below the core: the cache folder (:mod:`.cache`) and outputs written under a temporary name and renamed,
with the checks every command makes before it writes (:mod:`.outputs`). torch-free; every layer may use it."""
