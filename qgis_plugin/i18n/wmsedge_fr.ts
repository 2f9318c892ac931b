<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
  <context>
    <name>WmsEdge</name>
    <message>
      <location filename="../algorithms/dialog.py" line="57" />
      <source>Layer's CRS</source>
      <translation>SCR de la couche</translation>
    </message>
    <message>
      <location filename="../algorithms/dialog.py" line="57" />
      <source>Layer's CRS: {crs}</source>
      <translation>SCR de la couche : {crs}</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="83" />
      <source>Edge map from WMS (Sobel/Prewitt)</source>
      <translation>Carte de contours depuis un WMS (Sobel/Prewitt)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="86" />
      <source>Edge detection</source>
      <translation>Détection de contours</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="175" />
      <source>Pixel size</source>
      <translation>Taille de pixel</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="92" />
      <source>edge,sobel,prewitt,gradient,wms,wps,filter</source>
      <translation>contour,sobel,prewitt,gradient,wms,wps,filtre</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="103" />
      <source>&lt;p&gt;Computes a Sobel or Prewitt edge map of a raster layer (WMS is the main case), from a small tile to an area of up to {max_pixels} pixels, and writes it as a float32 Cloud Optimized GeoTIFF (512 x 512 internal tiles, overviews, lossless compression, nodata NaN) with exact extent, pixel size and CRS.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;p&gt;&lt;b&gt;Input layer&lt;/b&gt;: the raster layer (WMS or any raster). The in-process backend reads any layer QGIS reads (WMS, WMTS, XYZ, GeoTIFF…) through QGIS's own data provider, so QGIS's proxy and authentication settings apply. The remote backend needs a WMS layer.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Tile centre&lt;/b&gt; or &lt;b&gt;Tile extent&lt;/b&gt;: give exactly one. A centre may be in any CRS (click it on the map); the edge map is then Width x Height pixels of the given pixel size around it. An extent is covered by as many pixels of the given pixel size as needed (the extent grows around its centre to whole pixels); without a pixel size, by pixels of the layer's own resolution when it has one (e.g. a GeoTIFF in the output CRS), otherwise exactly by Width x Height pixels.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Width&lt;/b&gt;, &lt;b&gt;Height&lt;/b&gt;: size in pixels (default {default_size}). One run computes at most {max_pixels} pixels in all (setting wmsedge/max_pixels); a larger one is refused before any request.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Pixel size&lt;/b&gt;: in units of the output CRS (degrees for a geographic CRS, usually metres for a projected one). When empty: the layer's own resolution when it has one (e.g. a GeoTIFF) and the output CRS is the layer's; otherwise, in the QGIS window, the resolution of the map canvas showing the centre (the tile then covers as many screen pixels as it has pixels); otherwise (qgis_process, scripts) {default_metres} m per pixel in a projected CRS and {default_degrees}° (about {default_metres} m) in a geographic CRS. A tile beyond the CRS's valid area (latitudes beyond ±90°, wider than the CRS's whole extent) or a pixel size of 0 is refused before any request.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output CRS&lt;/b&gt;: when not set, the layer's CRS. The remote backend needs an EPSG code.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Method&lt;/b&gt;: sobel_x, sobel_y, prewitt_x, prewitt_y (the tutorial's four), sobel_magnitude, prewitt_magnitude (square root of the sum of the squared x and y gradients).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Backend&lt;/b&gt;: in-process (this QGIS computes) or remote WPS (the WMS Edge WPS server's get_raster_process computes, asynchronously; progress follows the server's status). Both ask the WMS for the same image: the layer's format, styles and layers, the output CRS, and no DPI parameters (a screen setting of QGIS's canvas that the WPS cannot send), so they give the same pixels. The remote backend refuses a layer with a named style, which it cannot forward. In process, each WMS request waits at most QGIS's network timeout (Settings ▸ Options ▸ Network; it starts again whenever data arrives). A WMS that refuses the connection, does not answer in time or answers with anything but the image asked for (an error page, a service exception, a broken image or one of the wrong size) stops the algorithm with a message naming the problem, and no file is written.&lt;/p&gt;&lt;p&gt;&lt;b&gt;WPS URL&lt;/b&gt;: the WPS endpoint of the remote backend (default from the plugin setting wmsedge/wps_url, else http://127.0.0.1:5000/wps).&lt;/p&gt;&lt;h3&gt;Areas in blocks&lt;/h3&gt;&lt;p&gt;The in-process backend reads the area in blocks, each a GetMap of the block and a one-pixel halo, so the blocks join without seams. A block side is the WMS's MaxWidth/MaxHeight (from its capabilities) less the halo, lowered by the setting wmsedge/max_request_size, and 2048 pixels without either; {requests} blocks are read at once (setting wmsedge/requests_per_host). The log says how many blocks and requests the run makes before the first one. A request that fails for a while (timeout, HTTP 429, 502, 503 or 504) is tried again up to {retries} times; any other failure stops the run, naming the block. On a raster WMS at its own grid the result equals one request of the whole area; a WMS that draws vectors with anti-aliasing or labels may draw a block's border slightly differently. The remote backend lets the WPS server fetch the blocks (its own limits apply).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Edge map&lt;/b&gt;: the output Cloud Optimized GeoTIFF, written aside and renamed into place when complete (a cancelled or failed run leaves nothing), added to the project when the run succeeds.&lt;/p&gt;&lt;h3&gt;Values and sign convention&lt;/h3&gt;&lt;p&gt;Values are float32, signed, in the input's gray-level units (RGB converted to gray with the ITU-R 601-2 luma weights), never clipped. Kernels are unnormalised correlations (Sobel 1-2-1, Prewitt 1-1-1). *_x is positive where brightness increases eastward (left to right), *_y where it increases northward (bottom to top). Every pixel is a true gradient: the source is read with one extra pixel on each side. Transparent or nodata source pixels give nodata (NaN) and no false edges around them.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Calcule une carte de contours de Sobel ou de Prewitt d'une couche raster (un WMS, le plus souvent), d'une petite tuile à une zone de {max_pixels} pixels au plus, et l'écrit en GeoTIFF optimisé pour le cloud (COG) float32 (tuiles internes de 512 x 512, aperçus, compression sans perte, sans données NaN), avec une emprise, une taille de pixel et un SCR exacts.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;p&gt;&lt;b&gt;Couche en entrée&lt;/b&gt; : la couche raster (un WMS ou tout raster). Le calcul local lit toute couche que QGIS lit (WMS, WMTS, XYZ, GeoTIFF…) par le fournisseur de données de QGIS lui-même : les réglages de proxy et d'authentification de QGIS s'appliquent. Le calcul distant nécessite une couche WMS.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Centre de la tuile&lt;/b&gt; ou &lt;b&gt;Emprise de la tuile&lt;/b&gt; : indiquez exactement l'un des deux. Le centre peut être dans n'importe quel SCR (cliquez-le sur la carte) ; la carte fait alors Largeur x Hauteur pixels de la taille de pixel donnée autour de lui. Une emprise est couverte par autant de pixels de la taille de pixel donnée que nécessaire (l'emprise s'agrandit autour de son centre jusqu'à un nombre entier de pixels) ; sans taille de pixel, par des pixels de la résolution propre de la couche quand elle en a une (un GeoTIFF dans le SCR de sortie par exemple), sinon exactement par Largeur x Hauteur pixels.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Largeur&lt;/b&gt;, &lt;b&gt;Hauteur&lt;/b&gt; : taille en pixels ({default_size} par défaut). Un calcul produit au plus {max_pixels} pixels en tout (réglage wmsedge/max_pixels) ; au-delà, il est refusé avant toute requête.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Taille de pixel&lt;/b&gt; : en unités du SCR de sortie (degrés pour un SCR géographique, le plus souvent mètres pour un SCR projeté). Si elle est vide : la résolution propre de la couche quand elle en a une (un GeoTIFF par exemple) et que le SCR de sortie est celui de la couche ; sinon, dans la fenêtre de QGIS, la résolution du canevas de carte qui montre le centre (la tuile couvre alors autant de pixels d'écran qu'elle a de pixels) ; sinon (qgis_process, scripts) {default_metres} m par pixel dans un SCR projeté et {default_degrees}° (environ {default_metres} m) dans un SCR géographique. Une tuile hors du domaine valide du SCR (latitudes au-delà de ±90°, plus large que toute l'étendue du SCR) ou une taille de pixel nulle est refusée avant toute requête.&lt;/p&gt;&lt;p&gt;&lt;b&gt;SCR de sortie&lt;/b&gt; : s'il n'est pas choisi, celui de la couche. Le calcul distant nécessite un code EPSG.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Méthode&lt;/b&gt; : sobel_x, sobel_y, prewitt_x, prewitt_y (les quatre du tutoriel), sobel_magnitude, prewitt_magnitude (racine carrée de la somme des carrés des gradients en x et en y).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Moteur de calcul&lt;/b&gt; : local (ce QGIS calcule) ou WPS distant (le traitement get_raster_process du serveur WPS de WMS Edge calcule, de façon asynchrone ; la progression suit l'état donné par le serveur). Les deux demandent au WMS la même image : le format, les styles et les couches de la couche, le SCR de sortie, et aucun paramètre de DPI (un réglage d'écran du canevas de QGIS que le WPS ne peut pas envoyer) ; ils donnent donc les mêmes pixels. Le calcul distant refuse une couche avec un style nommé, qu'il ne peut pas transmettre. En local, chaque requête WMS attend au plus le délai réseau de QGIS (Préférences ▸ Options ▸ Réseau ; il repart à chaque arrivée de données). Un WMS qui refuse la connexion, ne répond pas à temps ou répond autre chose que l'image demandée (une page d'erreur, une exception de service, une image abîmée ou de mauvaise taille) arrête l'algorithme avec un message qui nomme le problème, et aucun fichier n'est écrit.&lt;/p&gt;&lt;p&gt;&lt;b&gt;URL du WPS&lt;/b&gt; : le point d'accès WPS du calcul distant (par défaut le réglage wmsedge/wps_url de l'extension, sinon http://127.0.0.1:5000/wps).&lt;/p&gt;&lt;h3&gt;Zones en blocs&lt;/h3&gt;&lt;p&gt;Le calcul local lit la zone par blocs, chacun un GetMap du bloc et d'un pixel de marge, si bien que les blocs se raccordent sans couture. Le côté d'un bloc est le MaxWidth/MaxHeight du WMS (lu dans ses capacités) moins la marge, abaissé par le réglage wmsedge/max_request_size, et 2048 pixels sans l'un ni l'autre ; {requests} blocs sont lus à la fois (réglage wmsedge/requests_per_host). Le journal annonce le nombre de blocs et de requêtes avant la première. Une requête qui échoue passagèrement (délai dépassé, HTTP 429, 502, 503 ou 504) est retentée jusqu'à {retries} fois ; tout autre échec arrête le calcul en nommant le bloc. Sur un WMS raster à sa propre grille, le résultat est identique à une seule requête de toute la zone ; un WMS qui dessine des vecteurs lissés ou des étiquettes peut dessiner le bord d'un bloc un peu autrement. Le calcul distant laisse le serveur WPS lire les blocs (ses propres limites s'appliquent).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Carte de contours&lt;/b&gt; : le GeoTIFF optimisé pour le cloud en sortie, écrit à part puis renommé à sa place une fois complet (un calcul annulé ou en échec ne laisse rien), ajouté au projet quand le calcul réussit.&lt;/p&gt;&lt;h3&gt;Valeurs et convention de signe&lt;/h3&gt;&lt;p&gt;Les valeurs sont en float32, signées, dans l'unité des niveaux de gris de l'entrée (le RVB est converti en gris avec les poids de luminance UIT-R 601-2), jamais écrêtées. Les noyaux sont des corrélations non normalisées (Sobel 1-2-1, Prewitt 1-1-1). *_x est positif là où la luminosité augmente vers l'est (de gauche à droite), *_y là où elle augmente vers le nord (de bas en haut). Chaque pixel est un vrai gradient : la source est lue avec un pixel de plus de chaque côté. Les pixels source transparents ou sans données donnent des pixels sans données (NaN), sans faux contours autour d'eux.&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="169" />
      <source>Input layer</source>
      <translation>Couche en entrée</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="170" />
      <source>Tile centre</source>
      <translation>Centre de la tuile</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="171" />
      <source>Tile extent</source>
      <translation>Emprise de la tuile</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="172" />
      <source>Width (pixels)</source>
      <translation>Largeur (pixels)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="172" />
      <source>Height (pixels)</source>
      <translation>Hauteur (pixels)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="181" />
      <source>Output CRS</source>
      <translation>SCR de sortie</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="182" />
      <source>Method</source>
      <translation>Méthode</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="185" />
      <source>Backend</source>
      <translation>Moteur de calcul</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="187" />
      <source>WPS URL</source>
      <translation>URL du WPS</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="189" />
      <source>Edge map</source>
      <translation>Carte de contours</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="195" />
      <source>The input layer could not be loaded.</source>
      <translation>La couche en entrée n'a pas pu être chargée.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="197" />
      <source>its source cannot be read</source>
      <translation>sa source est illisible</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="205" />
      <source>The layer has no CRS: choose an output CRS.</source>
      <translation>La couche n'a pas de SCR : choisissez un SCR de sortie.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="211" />
      <source>The remote backend needs a WPS URL.</source>
      <translation>Le calcul distant nécessite une URL de WPS.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="222" />
      <source>Edge map: {width} x {height} pixels of {px} x {py} {units}, extent {xmin}, {ymin}, {xmax}, {ymax} in {crs}.</source>
      <translation>Carte de contours : {width} x {height} pixels de {px} x {py} {units}, emprise {xmin} ; {ymin} ; {xmax} ; {ymax} dans {crs}.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="263" />
      <source>Give a tile centre or a tile extent (exactly one of CENTER and EXTENT).</source>
      <translation>Indiquez un centre ou une emprise de tuile (exactement l'un de CENTER et EXTENT).</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="264" />
      <source>Give either a tile centre or a tile extent, not both.</source>
      <translation>Indiquez soit un centre, soit une emprise de tuile, pas les deux.</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="185" />
      <source>In-process (this QGIS)</source>
      <translation>Local (dans ce QGIS)</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="185" />
      <source>Remote WPS server</source>
      <translation>Serveur WPS distant</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="198" />
      <source>The input layer is not valid: {error} (provider {provider}, source {source})</source>
      <translation>La couche en entrée n'est pas valide : {error} (fournisseur {provider}, source {source})</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="241" />
      <source>The output is a GeoTIFF: give a file name ending in .tif, not {path}</source>
      <translation>La sortie est un GeoTIFF : donnez un nom de fichier se terminant par .tif, et non {path}</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="297" />
      <source>Invalid tile: {error}</source>
      <translation>Tuile invalide : {error}</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="280" />
      <location filename="../algorithms/edge_tile.py" line="292" />
      <source>Pixel size: {size} ({origin}).</source>
      <translation>Taille de pixel : {size} ({origin}).</translation>
    </message>
    <message>
      <location filename="../algorithms/edge_tile.py" line="293" />
      <location filename="../algorithms/tile_grid.py" line="57" />
      <source>the layer's resolution</source>
      <translation>la résolution de la couche</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="43" />
      <source>Check the decimal separator: "0,005" typed where a point is expected can be read as 5, and a value below the box's smallest step as 0.</source>
      <translation>Vérifiez le séparateur décimal : « 0,005 » saisi là où un point est attendu peut être lu comme 5, et une valeur plus petite que le plus petit pas de la case comme 0.</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="67" />
      <source>the default of 10 m per pixel</source>
      <translation>la valeur par défaut de 10 m par pixel</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="115" />
      <source>The edge map would be {width} x {height} = {pixels} pixels, more than the {maximum} pixels one run may compute (setting wmsedge/max_pixels).</source>
      <translation>La carte de contours ferait {width} x {height} = {pixels} pixels, plus que les {maximum} pixels qu'un calcul peut produire (réglage wmsedge/max_pixels).</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="61" />
      <source>the map canvas's resolution</source>
      <translation>la résolution du canevas de carte</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="107" />
      <source>The pixel size is {value}; it must be greater than 0. {hint}</source>
      <translation>La taille de pixel vaut {value} ; elle doit être supérieure à 0. {hint}</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="119" />
      <source>The pixel size {pixel_size} is too small for this extent: give a larger one or a smaller extent. {hint}</source>
      <translation>La taille de pixel {pixel_size} est trop petite pour cette emprise : donnez-en une plus grande ou une emprise plus petite. {hint}</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="149" />
      <source>The tile is {width} x {height} {units}, larger than the whole extent of {crs} ({world_width} x {world_height}). {hint}</source>
      <translation>La tuile mesure {width} x {height} {units}, plus que toute l'étendue de {crs} ({world_width} x {world_height}). {hint}</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="130" />
      <source>The tile spans latitudes {south}° to {north}°, beyond ±90° (pixel size {px}°, {height} rows). {hint}</source>
      <translation>La tuile va de la latitude {south}° à {north}°, au-delà de ±90° (taille de pixel {px}°, {height} lignes). {hint}</translation>
    </message>
    <message>
      <location filename="../algorithms/tile_grid.py" line="135" />
      <source>The tile is {width}° wide, more than the 360° of longitude (pixel size {px}°, {columns} columns). {hint}</source>
      <translation>La tuile est large de {width}°, plus que les 360° de longitude (taille de pixel {px}°, {columns} colonnes). {hint}</translation>
    </message>
    <message>
      <location filename="../execution/__init__.py" line="11" />
      <source>Cancelled: no output was written.</source>
      <translation>Annulé : aucune sortie n'a été écrite.</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="94" />
      <source>{width} x {height} pixels; blocks: {blocks} ({rows} x {cols}), each at most {size} x {size} pixels; GetMap requests: {blocks}, each at most {side} x {side} pixels (block and one-pixel halo; {origin}), {concurrency} at once.</source>
      <translation>{width} x {height} pixels ; blocs : {blocks} ({rows} x {cols}), chacun de {size} x {size} pixels au plus ; requêtes GetMap : {blocks}, chacune de {side} x {side} pixels au plus (bloc et marge d'un pixel ; {origin}), {concurrency} à la fois.</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="98" />
      <source>{width} x {height} pixels; blocks: {blocks} ({rows} x {cols}), each at most {size} x {size} pixels; reads of the layer: {blocks}, each at most {side} x {side} pixels (block and one-pixel halo; {origin}), {concurrency} at once.</source>
      <translation>{width} x {height} pixels ; blocs : {blocks} ({rows} x {cols}), chacun de {size} x {size} pixels au plus ; lectures de la couche : {blocks}, chacune de {side} x {side} pixels au plus (bloc et marge d'un pixel ; {origin}), {concurrency} à la fois.</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="88" />
      <source>the WMS advertises no MaxWidth/MaxHeight</source>
      <translation>le WMS n'annonce pas de MaxWidth/MaxHeight</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="90" />
      <source>the layer is not a WMS</source>
      <translation>la couche n'est pas un WMS</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="85" />
      <source>the WMS's MaxWidth/MaxHeight {width} x {height}</source>
      <translation>MaxWidth/MaxHeight du WMS {width} x {height}</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="92" />
      <source>; setting wmsedge/max_request_size = {size}</source>
      <translation> ; réglage wmsedge/max_request_size = {size}</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="71" />
      <source>Cannot read the layer: {error}</source>
      <translation>Impossible de lire la couche : {error}</translation>
    </message>
    <message>
      <location filename="../execution/in_process.py" line="73" />
      <source>Cannot write {path}: {error}</source>
      <translation>Impossible d'écrire {path} : {error}</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="43" />
      <source>WPS server: the job is accepted and waits for its turn.</source>
      <translation>Serveur WPS : la tâche est acceptée et attend son tour.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="44" />
      <source>WPS server: the job is running.</source>
      <translation>Serveur WPS : la tâche est en cours.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="45" />
      <source>WPS server: the job is paused.</source>
      <translation>Serveur WPS : la tâche est en pause.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="46" />
      <source>WPS server: the job is finished.</source>
      <translation>Serveur WPS : la tâche est terminée.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="91" />
      <source>The layer's source has no WMS URL or layer name.</source>
      <translation>La source de la couche n'a pas d'URL WMS ou de nom de couche.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="148" />
      <source>Downloading the GeoTIFF…</source>
      <translation>Téléchargement du GeoTIFF…</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="164" />
      <source>not a raster GDAL can read</source>
      <translation>pas un raster lisible par GDAL</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="147" />
      <source>The WPS server succeeded but returned no reference to the image.</source>
      <translation>Le serveur WPS a réussi mais n'a renvoyé aucune référence vers l'image.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="76" />
      <source>The remote WPS backend needs a WMS layer, but this layer comes from the '{provider}' provider. Use the in-process backend for this layer.</source>
      <translation>Le calcul distant par WPS nécessite une couche WMS, mais cette couche vient du fournisseur « {provider} ». Utilisez le calcul local pour cette couche.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="82" />
      <source>The remote WPS backend needs a WMS layer, but this layer is a {kind} tile layer. Use the in-process backend for this layer.</source>
      <translation>Le calcul distant par WPS nécessite une couche WMS, mais cette couche est une couche de tuiles {kind}. Utilisez le calcul local pour cette couche.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="95" />
      <source>The layer asks the WMS for the style(s) '{styles}', which the remote backend cannot pass on (it always uses the default style). Use the in-process backend, or the layer with its default style.</source>
      <translation>La couche demande au WMS le ou les styles « {styles} », que le calcul distant ne peut pas transmettre (il utilise toujours le style par défaut). Utilisez le calcul local, ou la couche avec son style par défaut.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="107" />
      <source>The remote WPS backend needs an output CRS with an EPSG code; {crs} has none.</source>
      <translation>Le calcul distant par WPS nécessite un SCR de sortie ayant un code EPSG ; {crs} n'en a pas.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="112" />
      <source>The remote backend asks the WMS for {formats}, not the layer's {format}: asking for image/png, which may give other pixels than the in-process backend.</source>
      <translation>Le calcul distant demande au WMS {formats}, pas le format {format} de la couche : il demande image/png, ce qui peut donner d'autres pixels que le calcul local.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="141" />
      <source>Asking {url} for {process}…</source>
      <translation>Demande de {process} à {url}…</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="165" />
      <source>The WPS server returned an unexpected image ({found}) instead of a {width} x {height} GeoTIFF.</source>
      <translation>Le serveur WPS a renvoyé une image inattendue ({found}) au lieu d'un GeoTIFF de {width} x {height}.</translation>
    </message>
    <message>
      <location filename="../execution/via_wps.py" line="133" />
      <source>{done} of {total} blocks done</source>
      <translation>{done} blocs sur {total} calculés</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="321" />
      <source>the layer has only an alpha band, no values to filter</source>
      <translation>la couche n'a qu'une bande alpha, aucune valeur à filtrer</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="400" />
      <source>QGIS could not read the layer's nodata mask</source>
      <translation>QGIS n'a pas pu lire le masque des pixels sans données de la couche</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="94" />
      <source>cannot reproject the layer: the projector refused its data provider</source>
      <translation>impossible de reprojeter la couche : le reprojecteur a refusé son fournisseur de données</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="252" />
      <source>the WMS at {where} answered the GetMap request with HTTP {status} ({excerpt})</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par un HTTP {status} ({excerpt})</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="259" />
      <source>the GetMap request to the WMS at {where} failed: {error}</source>
      <translation>la requête GetMap au WMS à l'adresse {where} a échoué : {error}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="286" />
      <source>the WMS at {where} answered the GetMap request with a {width} x {height} image instead of {expected_width} x {expected_height}</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par une image de {width} x {height} au lieu de {expected_width} x {expected_height}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="293" />
      <source>the WMS at {where} answered the GetMap request with a truncated {format} image</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par une image {format} tronquée</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="107" />
      <source>the layer's data provider returned no pixels for the block</source>
      <translation>le fournisseur de données de la couche n'a rendu aucun pixel pour le bloc</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="249" />
      <source>the WMS at {where} answered the GetMap request with an exception: {report}</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par une exception : {report}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="263" />
      <source>the WMS at {where} answered the GetMap request with {content} instead of an image: {excerpt}</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par {content} au lieu d'une image : {excerpt}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="280" />
      <source>the WMS at {where} answered the GetMap request with an image far too large: {error}</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par une image bien trop grande : {error}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="283" />
      <source>the WMS at {where} answered the GetMap request with something that is not an image ({description})</source>
      <translation>le WMS à l'adresse {where} a répondu à la requête GetMap par autre chose qu'une image ({description})</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="352" />
      <source>unexpected block data type {type}</source>
      <translation>type de données de bloc inattendu {type}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="206" />
      <source>QGIS reports: {message}</source>
      <translation>QGIS signale : {message}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="264" />
      <source>a document</source>
      <translation>un document</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="324" />
      <source>band {band} has a data type ({type}) that cannot be filtered; supported: 8 to 32-bit integers, 32 and 64-bit floats</source>
      <translation>la bande {band} a un type de données ({type}) qui ne peut pas être filtré ; types acceptés : entiers de 8 à 32 bits, flottants de 32 et 64 bits</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="106" />
      <source>the layer's data provider returned no pixels for the block: {detail}</source>
      <translation>le fournisseur de données de la couche n'a rendu aucun pixel pour le bloc : {detail}</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="174" />
      <source>the WMS at {where} did not answer the GetMap request within {seconds} s (QGIS's network timeout)</source>
      <translation>le WMS à l'adresse {where} n'a pas répondu à la requête GetMap en {seconds} s (le délai réseau de QGIS)</translation>
    </message>
    <message>
      <location filename="../io/provider_read.py" line="180" />
      <source>the GetMap request to the WMS at {where} was aborted</source>
      <translation>la requête GetMap au WMS à l'adresse {where} a été interrompue</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="46" />
      <source>Default WPS server…</source>
      <translation>Serveur WPS par défaut…</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="48" />
      <location filename="../plugin.py" line="70" />
      <location filename="../plugin.py" line="56" />
      <location filename="../provider.py" line="23" />
      <location filename="../wps_providers/gui.py" line="61" />
      <source>WMS Edge</source>
      <translation>WMS Edge</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="71" />
      <source>WPS endpoint used by default by the remote backend:</source>
      <translation>Point d'accès WPS utilisé par défaut pour le calcul distant :</translation>
    </message>
    <message>
      <location filename="../provider.py" line="26" />
      <source>WMS Edge: Sobel/Prewitt edge maps of WMS layers</source>
      <translation>WMS Edge : cartes de contours Sobel/Prewitt de couches WMS</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="50" />
      <source>Cancelled: nothing was written. (WPS 1.0.0 cannot stop a job on the server: it runs to its end there.)</source>
      <translation>Annulé : rien n’a été écrit. (WPS 1.0.0 ne permet pas d’arrêter un travail sur le serveur : il y va jusqu’à son terme.)</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="58" />
      <source>; refresh the server's processes</source>
      <translation> ; actualisez les traitements du serveur</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="69" />
      <source>WPS error: {error}</source>
      <translation>Erreur WPS : {error}</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="54" />
      <source>The WPS server {server} cannot be reached: {error}</source>
      <translation>Le serveur WPS {server} est injoignable : {error}</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="59" />
      <source>The WPS server {server} does not offer the process {process}{hint} ({error}).</source>
      <translation>Le serveur WPS {server} ne propose pas le traitement {process}{hint} ({error}).</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="62" />
      <source>The WPS server refused the request with {code}: {text}</source>
      <translation>Le serveur WPS a refusé la requête avec {code} : {text}</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="65" />
      <source>The WPS process {process} failed with {code}: {text}</source>
      <translation>Le processus WPS {process} a échoué avec {code} : {text}</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="68" />
      <source>WPS HTTP error: {error}</source>
      <translation>Erreur HTTP du WPS : {error}</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="63" />
      <location filename="../wps/execute.py" line="66" />
      <source>no code</source>
      <translation>sans code</translation>
    </message>
    <message>
      <location filename="../wps/execute.py" line="63" />
      <location filename="../wps/execute.py" line="66" />
      <source>no message</source>
      <translation>sans message</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="431" />
      <source>optional</source>
      <translation>facultatif</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="131" />
      <source>&lt;p&gt;Cancelling stops waiting for the job; WPS 1.0.0 cannot stop it on the server, where it runs to its end.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Annuler arrête l’attente du travail ; WPS 1.0.0 ne permet pas de l’arrêter sur le serveur, où il va jusqu’à son terme.&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="434" />
      <source>any number of values</source>
      <translation>nombre de valeurs libre</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="117" />
      <source>&lt;p&gt;Process &lt;b&gt;{identifier}&lt;/b&gt; of the WPS server {title} ({url}), run {mode}.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Processus &lt;b&gt;{identifier}&lt;/b&gt; du serveur WPS {title} ({url}), exécuté {mode}.&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="122" />
      <source>Inputs</source>
      <translation>Entrées</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="126" />
      <source>Outputs</source>
      <translation>Sorties</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="352" />
      <source>Running {process} on {url} (asynchronous)…</source>
      <translation>Exécution de {process} sur {url} (asynchrone)…</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="453" />
      <source>{input}: {value} is not allowed; the server accepts {allowed}.</source>
      <translation>{input} : {value} n’est pas autorisé ; le serveur accepte {allowed}.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="120" />
      <source>asynchronously (progress follows the server's status)</source>
      <translation>de façon asynchrone (la progression suit l’état donné par le serveur)</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="121" />
      <source>synchronously (the server offers no status updates for it)</source>
      <translation>de façon synchrone (le serveur ne donne pas d’état d’avancement pour ce processus)</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="238" />
      <source>{input}: at most {maximum} values, {count} given.</source>
      <translation>{input} : au plus {maximum} valeurs, {count} données.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="241" />
      <source>{input}: at least {minimum} values, {count} given.</source>
      <translation>{input} : au moins {minimum} valeurs, {count} données.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="312" />
      <source>{input}: the vector layer could not be loaded.</source>
      <translation>{input} : la couche vecteur n’a pas pu être chargée.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="346" />
      <source>Running {process} on {url} (synchronous)…</source>
      <translation>Exécution de {process} sur {url} (synchrone)…</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="415" />
      <source>one of {options}; give the option's number or its text</source>
      <translation>l’une des options {options} ; donnez son numéro ou son texte</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="420" />
      <source>default {value}</source>
      <translation>par défaut {value}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="422" />
      <source>unit {unit}</source>
      <translation>unité {unit}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="424" />
      <source>CRS {crss}</source>
      <translation>SCR {crss}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="433" />
      <source>up to {count} values</source>
      <translation>jusqu’à {count} valeurs</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="444" />
      <source>{input}: “{value}” is not a valid {kind}.</source>
      <translation>{input} : « {value} » n’est pas une valeur {kind} valide.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="464" />
      <source>{input}: “{value}” is not one of the options; give its number or its text ({options}).</source>
      <translation>{input} : « {value} » n’est pas l’une des options ; donnez son numéro ou son texte ({options}).</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="178" />
      <source>Incorrect parameter value for {name}</source>
      <translation>Valeur incorrecte pour le paramètre {name}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="255" />
      <source>{input}: QGIS does not know the server's CRS {crs}.</source>
      <translation>{input} : QGIS ne connaît pas le SCR {crs} du serveur.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="258" />
      <source>{input}: the server does not take {given}; the extent is sent in {crs}.</source>
      <translation>{input} : le serveur n’accepte pas {given} ; l’emprise est envoyée en {crs}.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="283" />
      <source>{input}: the raster layer could not be loaded.</source>
      <translation>{input} : la couche raster n’a pas pu être chargée.</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="326" />
      <source>Cannot send the input: {error}</source>
      <translation>Impossible d’envoyer l’entrée : {error}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="339" />
      <source>Cannot write the output: {error}</source>
      <translation>Impossible d’écrire la sortie : {error}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="355" />
      <source>WPS: {message}</source>
      <translation>WPS : {message}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="418" />
      <source>allowed: {allowed}</source>
      <translation>valeurs admises : {allowed}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="426" />
      <source>formats {formats}</source>
      <translation>formats {formats}</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="369" />
      <source>Writing {output}…</source>
      <translation>Écriture de {output}…</translation>
    </message>
    <message>
      <location filename="../wps_providers/algorithm.py" line="429" />
      <source>at most {megabytes:g} MB</source>
      <translation>au plus {megabytes:g} Mo</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="130" />
      <location filename="../wps_providers/gui.py" line="128" />
      <location filename="../wps_providers/gui.py" line="137" />
      <source>Rename WPS server</source>
      <translation>Renommer le serveur WPS</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="146" />
      <location filename="../wps_providers/gui.py" line="442" />
      <location filename="../wps_providers/gui.py" line="155" />
      <location filename="../wps_providers/gui.py" line="373" />
      <source>Remove WPS server</source>
      <translation>Supprimer le serveur WPS</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="429" />
      <source>WPS servers…</source>
      <translation>Serveurs WPS…</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="87" />
      <location filename="../wps_providers/gui.py" line="113" />
      <source>Add WPS server</source>
      <translation>Ajouter un serveur WPS</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="89" />
      <source>e.g. My institute's WPS</source>
      <translation>p. ex. le WPS de mon institut</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="98" />
      <location filename="../wps_providers/gui.py" line="190" />
      <source>Title</source>
      <translation>Titre</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="99" />
      <location filename="../wps_providers/gui.py" line="190" />
      <source>URL</source>
      <translation>URL</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="100" />
      <source>Authentication</source>
      <translation>Authentification</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="128" />
      <source>This WPS server is no longer configured.</source>
      <translation>Ce serveur WPS n'est plus configuré.</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="187" />
      <location filename="../wps_providers/gui.py" line="336" />
      <source>WPS servers</source>
      <translation>Serveurs WPS</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="194" />
      <source>Add…</source>
      <translation>Ajouter…</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="195" />
      <source>Rename…</source>
      <translation>Renommer…</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="196" />
      <source>Remove</source>
      <translation>Supprimer</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="197" />
      <source>Refresh</source>
      <translation>Actualiser</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="368" />
      <source>Add WPS server…</source>
      <translation>Ajouter un serveur WPS…</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="441" />
      <location filename="../wps_providers/gui.py" line="372" />
      <source>Rename WPS server…</source>
      <translation>Renommer le serveur WPS…</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="443" />
      <location filename="../wps_providers/gui.py" line="170" />
      <location filename="../wps_providers/gui.py" line="374" />
      <source>Refresh WPS server</source>
      <translation>Actualiser le serveur WPS</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="130" />
      <source>New title of {url}:</source>
      <translation>Nouveau titre de {url} :</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="147" />
      <source>Remove the WPS server “{title}” ({url})? Its processes leave the Processing toolbox; models that use them will not run until it is added again.</source>
      <translation>Supprimer le serveur WPS « {title} » ({url}) ? Ses traitements quittent la boîte à outils Traitements ; les modèles qui les utilisent ne fonctionneront plus tant qu'il n'aura pas été ajouté de nouveau.</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="171" />
      <source>The processes of “{title}” could not be refreshed: {reason}</source>
      <translation>Les traitements de « {title} » n'ont pas pu être actualisés : {reason}</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="229" />
      <source>Processing provider id: {server_id}</source>
      <translation>Identifiant du fournisseur de traitements : {server_id}</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="343" />
      <source>“{title}” added: its processes are in the Processing toolbox.</source>
      <translation>« {title} » ajouté : ses traitements sont dans la boîte à outils Traitements.</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="349" />
      <source>WPS server renamed “{title}”.</source>
      <translation>Serveur WPS renommé « {title} ».</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="354" />
      <source>WPS server “{title}” removed.</source>
      <translation>Serveur WPS « {title} » supprimé.</translation>
    </message>
    <message>
      <location filename="../wps_providers/gui.py" line="358" />
      <source>Processes of “{title}” refreshed.</source>
      <translation>Traitements de « {title} » actualisés.</translation>
    </message>
    <message>
      <location filename="../wps_providers/parameters.py" line="231" />
      <source>All files (*.*)</source>
      <translation>Tous les fichiers (*.*)</translation>
    </message>
    <message>
      <location filename="../wps_providers/parameters.py" line="190" />
      <source>{title} (one value per line)</source>
      <translation>{title} (une valeur par ligne)</translation>
    </message>
    <message>
      <location filename="../wps_providers/parameters.py" line="168" />
      <source>{title} (sent in {crs} unless given in a supported CRS)</source>
      <translation>{title} (envoyée en {crs} sauf si elle est donnée dans un SCR accepté)</translation>
    </message>
    <message>
      <location filename="../wps_providers/provider.py" line="52" />
      <source>{title} (WPS server {url})</source>
      <translation>{title} (serveur WPS {url})</translation>
    </message>
    <message>
      <location filename="../wps_providers/provider.py" line="90" />
      <source>The processes of the WPS server {title} could not be loaded: {error}</source>
      <translation>Les processus du serveur WPS {title} n’ont pas pu être chargés : {error}</translation>
    </message>
    <message>
      <location filename="../wps_providers/provider.py" line="94" />
      <source>Warning: {message} (provider {provider})</source>
      <translation>Avertissement : {message} (fournisseur {provider})</translation>
    </message>
    <message>
      <location filename="../wps_providers/provider.py" line="80" />
      <source>The process {identifier} of the WPS server {title} is left out: {reason}</source>
      <translation>Le traitement {identifier} du serveur WPS {title} est écarté : {reason}</translation>
    </message>
    <message>
      <location filename="../wps_providers/provider.py" line="70" />
      <source>no answer within {seconds:g} s</source>
      <translation>pas de réponse en {seconds:g} s</translation>
    </message>
    <message>
      <location filename="../wps_providers/registry.py" line="53" />
      <source>No WPS server with the id {server_id} is configured.</source>
      <translation>Aucun serveur WPS d’identifiant {server_id} n’est configuré.</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="67" />
      <source>Give the WPS server a title.</source>
      <translation>Donnez un titre au serveur WPS.</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="79" />
      <source>Put no user name or password in the WPS URL (QGIS settings would keep them in clear): choose an authentication configuration instead.</source>
      <translation>Ne mettez ni nom d'utilisateur ni mot de passe dans l'URL du WPS (les paramètres de QGIS les garderaient en clair) : choisissez plutôt une configuration d'authentification.</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="76" />
      <source>The WPS URL must start with http:// or https:// and name a host: {url}</source>
      <translation>L'URL du WPS doit commencer par http:// ou https:// et nommer un hôte : {url}</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="98" />
      <source>The authentication configuration {authcfg} does not exist in this QGIS profile.</source>
      <translation>La configuration d'authentification {authcfg} n'existe pas dans ce profil QGIS.</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="77" />
      <source>(empty)</source>
      <translation>(vide)</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="106" />
      <source>The server at {url} did not answer within {seconds:g} s: is it a WPS server, and is it running?</source>
      <translation>Le serveur {url} n'a pas répondu en {seconds:g} s : est-ce un serveur WPS, et fonctionne-t-il ?</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="109" />
      <source>{url} is not a usable WPS server: {reason}</source>
      <translation>{url} n'est pas un serveur WPS utilisable : {reason}</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="178" />
      <source>No WPS server {server_id} is configured (removed meanwhile?).</source>
      <translation>Aucun serveur WPS {server_id} n'est configuré (supprimé entre-temps ?).</translation>
    </message>
    <message>
      <location filename="../wps_providers/servers.py" line="147" />
      <source>This WPS server is already configured, as “{title}”.</source>
      <translation>Ce serveur WPS est déjà configuré, sous le titre « {title} ».</translation>
    </message>
  </context>
</TS>
