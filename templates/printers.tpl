{{%AUTOESCAPE context="HTML"}}
<!-- printers -->
