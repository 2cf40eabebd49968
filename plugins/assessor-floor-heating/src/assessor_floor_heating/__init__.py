"""The floor-heating (地暖) domain for assessor: customer relations after an equity transfer."""
