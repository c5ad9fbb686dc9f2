"""Routers of the web app, one module per audience: citizens' chat, the law browser, the 6·5
page, the JSON API, the staff console and the embeddable widget. A new audience (campaign pages)
adds its own module here and lists it in :data:`bot.web.app.ROUTERS`."""
