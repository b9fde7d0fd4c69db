"""Pitlane's own Rasa NLU components (loaded by rasa_project/config.yml; nothing of core/)."""
