"""Contrastive fine-tuning: the run's configuration and recipes (:mod:`.config`), the relations it trains and
selects on (:mod:`.relations`), the relation sampler (:mod:`.sampler`), the losses (:mod:`.losses`), the
encoder and optimiser with one optimisation step (:mod:`.trainer`), the run folder (:mod:`.run_folder`:
refuse, overwrite or resume; atomic checkpoints and the log), the random states (:mod:`.randomness`) and the
loop itself (:mod:`.loop`)."""
