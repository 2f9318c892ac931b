<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
  <context>
    <name>WmsEdge</name>
    <message>
      <location filename="../algorithms/edge_tile.py" line="70" />
      <source>Edge tile from WMS (Sobel/Prewitt)</source>
      <translation>Tuile de contours depuis un WMS (Sobel/Prewitt)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="73" />
      <source>Edge detection</source>
      <translation>Détection de contours</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="82" />
      <source>&lt;p&gt;Computes a Sobel or Prewitt gradient tile of a raster layer (WMS is the main case) and writes it as a float32 GeoTIFF with exact extent, pixel size and CRS.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;p&gt;&lt;b&gt;Input layer&lt;/b&gt;: the raster layer. The in-process backend reads any layer QGIS reads (WMS, WMTS, XYZ, GeoTIFF…) through QGIS's own data provider, so QGIS's proxy and authentication settings apply. The remote backend needs a WMS layer.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Tile centre&lt;/b&gt; or &lt;b&gt;Tile extent&lt;/b&gt;: give exactly one. A centre may be in any CRS (click it on the map); the tile is then Width x Height pixels of the given pixel size around it. An extent is covered exactly by Width x Height pixels, or, if a pixel size is given, by as many square pixels of that size as needed (the extent grows around its centre to whole pixels).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Width&lt;/b&gt;, &lt;b&gt;Height&lt;/b&gt;: tile size in pixels, 1 to 4096 (default 512).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Pixel size&lt;/b&gt;: in units of the output CRS (degrees for a geographic CRS, usually metres for a projected one). Default: the layer's own resolution when it has one (e.g. a GeoTIFF) and the output CRS is the layer's; otherwise 0.0005°/512 (about 0.1 m, the tutorial's tile of 0.0005° over 512 pixels) in a geographic CRS, and 0.1 m in a projected CRS.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output CRS&lt;/b&gt;: default the layer's CRS. The remote backend needs an EPSG code.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Method&lt;/b&gt;: sobel_x, sobel_y, prewitt_x, prewitt_y (the tutorial's four), sobel_magnitude, prewitt_magnitude (square root of the sum of the squared x and y gradients).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Backend&lt;/b&gt;: in-process (this QGIS computes) or remote WPS (our WPS server's get_raster_process computes, asynchronously; progress follows the server's status). In process, each WMS request waits at most QGIS's network timeout (Settings ▸ Options ▸ Network; it starts again whenever data arrives). A WMS that refuses the connection, does not answer in time or answers with anything but the image asked for (an error page, a service exception, a broken image or one of the wrong size) stops the algorithm with a message naming the problem, and no file is written.&lt;/p&gt;&lt;p&gt;&lt;b&gt;WPS URL&lt;/b&gt;: the WPS endpoint of the remote backend (default from the plugin setting wmsedge/wps_url, else http://127.0.0.1:5000/wps).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output&lt;/b&gt;: the GeoTIFF.&lt;/p&gt;&lt;h3&gt;Values and sign convention&lt;/h3&gt;&lt;p&gt;Values are float32, signed, in the input's gray-level units (RGB converted to gray with the ITU-R 601-2 luma weights), never clipped. Kernels are unnormalised correlations (Sobel 1-2-1, Prewitt 1-1-1). *_x is positive where brightness increases eastward (left to right), *_y where it increases northward (bottom to top). Every pixel is a true gradient: the source is read with one extra pixel on each side. Transparent or nodata source pixels give nodata (NaN) and no false edges around them.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Calcule une tuile de gradient de Sobel ou de Prewitt d'une couche raster (un WMS, le plus souvent) et l'écrit en GeoTIFF float32, avec une emprise, une taille de pixel et un SCR exacts.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;p&gt;&lt;b&gt;Couche en entrée&lt;/b&gt; : la couche raster. Le calcul local lit toute couche que QGIS lit (WMS, WMTS, XYZ, GeoTIFF…) par le fournisseur de données de QGIS lui-même : les réglages de proxy et d'authentification de QGIS s'appliquent. Le calcul distant nécessite une couche WMS.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Centre de la tuile&lt;/b&gt; ou &lt;b&gt;Emprise de la tuile&lt;/b&gt; : indiquez exactement l'un des deux. Le centre peut être dans n'importe quel SCR (cliquez-le sur la carte) ; la tuile fait alors Largeur x Hauteur pixels de la taille de pixel donnée autour de lui. Une emprise est couverte exactement par Largeur x Hauteur pixels, ou, si une taille de pixel est donnée, par autant de pixels carrés de cette taille que nécessaire (l'emprise s'agrandit autour de son centre jusqu'à un nombre entier de pixels).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Largeur&lt;/b&gt;, &lt;b&gt;Hauteur&lt;/b&gt; : taille de la tuile en pixels, de 1 à 4096 (512 par défaut).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Taille de pixel&lt;/b&gt; : en unités du SCR de sortie (degrés pour un SCR géographique, le plus souvent mètres pour un SCR projeté). Par défaut : la résolution propre de la couche quand elle en a une (un GeoTIFF par exemple) et que le SCR de sortie est celui de la couche ; sinon 0,0005°/512 (environ 0,1 m, la tuile du tutoriel de 0,0005° sur 512 pixels) dans un SCR géographique, et 0,1 m dans un SCR projeté.&lt;/p&gt;&lt;p&gt;&lt;b&gt;SCR de sortie&lt;/b&gt; : par défaut celui de la couche. Le calcul distant nécessite un code EPSG.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Méthode&lt;/b&gt; : sobel_x, sobel_y, prewitt_x, prewitt_y (les quatre du tutoriel), sobel_magnitude, prewitt_magnitude (racine carrée de la somme des carrés des gradients en x et en y).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Moteur de calcul&lt;/b&gt; : local (ce QGIS calcule) ou WPS distant (le traitement get_raster_process de notre serveur WPS calcule, de façon asynchrone ; la progression suit l'état donné par le serveur). En local, chaque requête WMS attend au plus le délai réseau de QGIS (Préférences ▸ Options ▸ Réseau ; il repart à chaque arrivée de données). Un WMS qui refuse la connexion, ne répond pas à temps ou répond autre chose que l'image demandée (une page d'erreur, une exception de service, une image abîmée ou de mauvaise taille) arrête l'algorithme avec un message qui nomme le problème, et aucun fichier n'est écrit.&lt;/p&gt;&lt;p&gt;&lt;b&gt;URL du WPS&lt;/b&gt; : le point d'accès WPS du calcul distant (par défaut le réglage wmsedge/wps_url de l'extension, sinon http://127.0.0.1:5000/wps).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Tuile de contours&lt;/b&gt; : le GeoTIFF en sortie.&lt;/p&gt;&lt;h3&gt;Valeurs et convention de signe&lt;/h3&gt;&lt;p&gt;Les valeurs sont en float32, signées, dans l'unité des niveaux de gris de l'entrée (le RVB est converti en gris avec les poids de luminance UIT-R 601-2), jamais écrêtées. Les noyaux sont des corrélations non normalisées (Sobel 1-2-1, Prewitt 1-1-1). *_x est positif là où la luminosité augmente vers l'est (de gauche à droite), *_y là où elle augmente vers le nord (de bas en haut). Chaque pixel est un vrai gradient : la source est lue avec un pixel de plus de chaque côté. Les pixels source transparents ou sans données donnent des pixels sans données (NaN), sans faux contours autour d'eux.&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="79" />
      <source>edge,sobel,prewitt,gradient,wms,wps,filter</source>
      <translation>contour,sobel,prewitt,gradient,wms,wps,filtre</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="116" />
      <source>Input layer (WMS or any raster)</source>
      <translation>Couche en entrée (WMS ou tout raster)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="117" />
      <source>Tile centre</source>
      <translation>Centre de la tuile</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="118" />
      <source>Tile extent (instead of a centre)</source>
      <translation>Emprise de la tuile (au lieu d'un centre)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="120" />
      <source>Width (pixels)</source>
      <translation>Largeur (pixels)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="120" />
      <source>Height (pixels)</source>
      <translation>Hauteur (pixels)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="124" />
      <source>Pixel size (output CRS units; empty for the default)</source>
      <translation>Taille de pixel (unités du SCR de sortie ; vide pour la valeur par défaut)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="126" />
      <source>Output CRS (default: the layer's)</source>
      <translation>SCR de sortie (par défaut : celui de la couche)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="128" />
      <source>Method</source>
      <translation>Méthode</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="131" />
      <source>Backend</source>
      <translation>Moteur de calcul</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="133" />
      <source>WPS URL (remote backend)</source>
      <translation>URL du WPS (calcul distant)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="136" />
      <source>Edge tile</source>
      <translation>Tuile de contours</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="142" />
      <source>The input layer could not be loaded.</source>
      <translation>La couche en entrée n'a pas pu être chargée.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="144" />
      <source>its source cannot be read</source>
      <translation>sa source est illisible</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="152" />
      <source>The layer has no CRS: choose an output CRS.</source>
      <translation>La couche n'a pas de SCR : choisissez un SCR de sortie.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="158" />
      <source>The remote backend needs a WPS URL.</source>
      <translation>Le calcul distant nécessite une URL de WPS.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="175" />
      <source>Tile: {width} x {height} pixels of {px:.10g} x {py:.10g} {units}, extent {xmin:.10g}, {ymin:.10g}, {xmax:.10g}, {ymax:.10g} in {crs}.</source>
      <translation>Tuile : {width} x {height} pixels de {px:.10g} x {py:.10g} {units}, emprise {xmin:.10g}, {ymin:.10g}, {xmax:.10g}, {ymax:.10g} en {crs}.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="197" />
      <source>Give a tile centre or a tile extent (exactly one of CENTER and EXTENT).</source>
      <translation>Indiquez un centre ou une emprise de tuile (exactement l'un de CENTER et EXTENT).</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="198" />
      <source>Give either a tile centre or a tile extent, not both.</source>
      <translation>Indiquez soit un centre, soit une emprise de tuile, pas les deux.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="205" />
      <source>The pixel size must be greater than 0.</source>
      <translation>La taille de pixel doit être supérieure à 0.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="131" />
      <source>In-process (this QGIS)</source>
      <translation>Local (dans ce QGIS)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="131" />
      <source>Remote WPS server</source>
      <translation>Serveur WPS distant</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="145" />
      <source>The input layer is not valid: {error} (provider {provider}, source {source})</source>
      <translation>La couche en entrée n'est pas valide : {error} (fournisseur {provider}, source {source})</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="162" />
      <source>The output is a GeoTIFF: give a file name ending in .tif, not {path}</source>
      <translation>La sortie est un GeoTIFF : donnez un nom de fichier se terminant par .tif, et non {path}</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="220" />
      <source>The tile would be {width} x {height} pixels; at most {maximum} in each direction. Use a larger pixel size or a smaller extent.</source>
      <translation>La tuile ferait {width} x {height} pixels ; au plus {maximum} dans chaque direction. Prenez une taille de pixel plus grande ou une emprise plus petite.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="218" />
      <source>Invalid tile: {error}</source>
      <translation>Tuile invalide : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="64" />
      <source>Cancelled: no output was written.</source>
      <translation>Annulé : aucune sortie n'a été écrite.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="140" />
      <source>The layer's source has no WMS URL or layer name.</source>
      <translation>La source de la couche n'a pas d'URL WMS ou de nom de couche.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="189" />
      <source>Downloading the GeoTIFF…</source>
      <translation>Téléchargement du GeoTIFF…</translation>
    </message>
    <message>
      <location filename="../backends.py" line="219" />
      <source>not a raster GDAL can read</source>
      <translation>pas un raster lisible par GDAL</translation>
    </message>
    <message>
      <location filename="../backends.py" line="188" />
      <source>The WPS server succeeded but returned no reference to the image.</source>
      <translation>Le serveur WPS a réussi mais n'a renvoyé aucune référence vers l'image.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="80" />
      <source>Reading {width} x {height} pixels (the tile and a one-pixel halo) through the layer's data provider…</source>
      <translation>Lecture de {width} x {height} pixels (la tuile et une marge d'un pixel) par le fournisseur de données de la couche…</translation>
    </message>
    <message>
      <location filename="../backends.py" line="98" />
      <source>Applying {method}…</source>
      <translation>Application de {method}…</translation>
    </message>
    <message>
      <location filename="../backends.py" line="125" />
      <source>The remote WPS backend needs a WMS layer, but this layer comes from the '{provider}' provider. Use the in-process backend for this layer.</source>
      <translation>Le calcul distant par WPS nécessite une couche WMS, mais cette couche vient du fournisseur « {provider} ». Utilisez le calcul local pour cette couche.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="131" />
      <source>The remote WPS backend needs a WMS layer, but this layer is a {kind} tile layer. Use the in-process backend for this layer.</source>
      <translation>Le calcul distant par WPS nécessite une couche WMS, mais cette couche est une couche de tuiles {kind}. Utilisez le calcul local pour cette couche.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="150" />
      <source>The remote WPS backend needs an output CRS with an EPSG code; {crs} has none.</source>
      <translation>Le calcul distant par WPS nécessite un SCR de sortie ayant un code EPSG ; {crs} n'en a pas.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="155" />
      <source>The layer's format {format} is not offered by the WPS; asking for image/png.</source>
      <translation>Le format {format} de la couche n'est pas proposé par le WPS ; demande en image/png.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="182" />
      <source>Asking {url} for {process}…</source>
      <translation>Demande de {process} à {url}…</translation>
    </message>
    <message>
      <location filename="../backends.py" line="220" />
      <source>The WPS server returned an unexpected image ({found}) instead of a {width} x {height} GeoTIFF.</source>
      <translation>Le serveur WPS a renvoyé une image inattendue ({found}) au lieu d'un GeoTIFF de {width} x {height}.</translation>
    </message>
    <message>
      <location filename="../backends.py" line="179" />
      <source>WPS: {message}</source>
      <translation>WPS : {message}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="194" />
      <source>WPS server unreachable: {error}</source>
      <translation>Serveur WPS injoignable : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="196" />
      <source>This WPS server does not offer {process}: {error}</source>
      <translation>Ce serveur WPS ne propose pas {process} : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="199" />
      <source>The WPS server refused the request with {code}: {text}</source>
      <translation>Le serveur WPS a refusé la requête avec {code} : {text}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="202" />
      <source>The WPS process failed: {text}</source>
      <translation>Le traitement WPS a échoué : {text}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="205" />
      <source>WPS HTTP error: {error}</source>
      <translation>Erreur HTTP du WPS : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="207" />
      <source>WPS error: {error}</source>
      <translation>Erreur WPS : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="93" />
      <source>Cannot read the layer: {error}</source>
      <translation>Impossible de lire la couche : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="106" />
      <source>Cannot write {path}: {error}</source>
      <translation>Impossible d'écrire {path} : {error}</translation>
    </message>
    <message>
      <location filename="../backends.py" line="200" />
      <source>no code</source>
      <translation>sans code</translation>
    </message>
    <message>
      <location filename="../backends.py" line="200" />
      <location filename="../backends.py" line="203" />
      <source>no message</source>
      <translation>sans message</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="34" />
      <source>Default WPS server…</source>
      <translation>Serveur WPS par défaut…</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="36" />
      <location filename="../plugin.py" line="50" />
      <location filename="../plugin.py" line="40" />
      <location filename="../provider.py" line="23" />
      <source>WMS Edge</source>
      <translation>WMS Edge</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="51" />
      <source>WPS endpoint used by default by the remote backend:</source>
      <translation>Point d'accès WPS utilisé par défaut pour le calcul distant :</translation>
    </message>
    <message>
      <location filename="../provider.py" line="26" />
      <source>WMS Edge: Sobel/Prewitt edge tiles of WMS layers</source>
      <translation>WMS Edge : tuiles de contours Sobel/Prewitt de couches WMS</translation>
    </message>
  </context>
</TS>
