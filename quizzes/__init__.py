"""Knowledge quizzes and "6·5" campaigns (engine, bank, store); never imports Telegram."""
