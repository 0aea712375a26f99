"""Worlds to try gbdsp in: the demo (its fleet, the DCC Boxed template premises and a past
month driven through the real services), the GB-shaped scale fleet, and the defaults sample
requests take from the demo. They sit above the services they drive."""
