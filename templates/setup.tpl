{{%AUTOESCAPE context="HTML"}}
<!-- setup -->
