"""The fixed sentences every channel adds, whatever fails behind it (bot/channels/guard.py); in the review packet."""

DISCLAIMER = ("I am an automated assistant. I do not replace your doctor or nurse, and I am not for emergencies: "
              "in an emergency, call {emergency_number}.")
EMPTY = ("I didn't receive any words. Please type your question, or tell me how you feel. "
         "In an emergency, call {emergency_number}.")
NO_ANSWER = ("I'm sorry, I can't answer that right now. Please call the clinic at {number}. "
             "If this is an emergency, call {emergency_number} now.")
