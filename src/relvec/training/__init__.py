"""Contrastive fine-tuning: the run's configuration and recipes (:mod:`.config`), the relation sampler
(:mod:`.sampler`), the losses (:mod:`.losses`), the run folder (:mod:`.run_folder`: refuse, overwrite or
resume; atomic checkpoints, random state, signals) and the loop itself (:mod:`.loop`)."""
