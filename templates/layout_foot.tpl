{{%AUTOESCAPE context="HTML"}}
{{! The end of every page; closes what layout_head.tpl opened. WORD: the
    status vocabulary (lib/web/badge.c) for static/app.js, signed in only. }}
</main>
<footer class="footer">bambufarm</footer>
{{#SESSION}}
<ul id="status-words" hidden>
{{#WORD}}<li data-kind="{{KIND}}" data-status="{{STATUS}}" data-symbol="{{SYMBOL}}" data-tone="{{TONE}}">{{WORD}}</li>
{{/WORD}}</ul>
{{/SESSION}}
</body>
</html>
