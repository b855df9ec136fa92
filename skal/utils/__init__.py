"""Tools for people who write or test learners: the learner-contract check
suite (:mod:`skal.utils.estimator_checks`)."""
