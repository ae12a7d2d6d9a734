"""Below the core: the cache folder (:mod:`.cache`), outputs written under a temporary name and renamed, with
the one check every command makes before it writes (:mod:`.outputs`), and a partial output a killed run resumes
(:mod:`.staged`). torch-free; every layer may use it."""
