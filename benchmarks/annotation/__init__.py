"""Tools behind the team's annotation sets: sampling the texts to annotate."""
