"""The gradient-free learner: steer the dynamics, stabilise the reached fixed point."""
from sim.learner.model import LearnerConfig, Network, init_network, labels_pm1, recode_readout
from sim.learner.plasticity import apply_plasticity, readout_update
from sim.learner.relaxation import (
    PhaseStats,
    State,
    predict,
    relax_free,
    training_relaxation,
)
from sim.learner.train import MODELS, TrainingRun, train_model
from sim.learner.training import EpochRecord, StepStats, accuracy, fit, train_step
