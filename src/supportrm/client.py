"""Reward functions for RLHF trainers (TRL ``GRPOTrainer``): ``reward_fn(url)`` asks a running
``supportrm serve``; ``local_reward_fn(path)`` scores in-process. See docs/serving.md."""

from supportrm.serve.client import local_reward_fn, reward_fn, to_messages

__all__ = ["local_reward_fn", "reward_fn", "to_messages"]
