"""Relations: contacts (bloggers, influencers, journalists, ambassadors), events with
guest lists, RSVP and check-in, parcels, the gifts ledger, and contests with draws anyone
can verify (parvis-draw-v1)."""
