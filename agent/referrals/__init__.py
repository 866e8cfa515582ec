"""Closing the referral loop (issue 14): referrer codes and the friend page, attribution of visits to
open referrals, rewards as policy. The console and API live in api/; nothing here imports them."""
